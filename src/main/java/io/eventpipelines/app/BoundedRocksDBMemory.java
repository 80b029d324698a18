package io.eventpipelines.app;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.IndexType;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteBufferManager;

/**
 * One RocksDB memory budget for every persistent store of every pipeline in the JVM, after Kafka Streams'
 * "BoundedMemoryRocksDBConfig": a single LRU block cache holds data, index and filter blocks, and a write buffer
 * manager charges every memtable to that same cache. Without it each RocksDB instance (one per store, per task,
 * per window segment: dozens for four pipelines) had its own 50 MiB block cache and up to 3 × 16 MiB of
 * memtables, so memory grew with the number of partitions and segments instead of staying put.
 * <p>
 * Kafka Streams creates this class by name for every store it opens, so the cache and write buffer manager are
 * static: one pair per budget size ({@link #BYTES_CONFIG}), created on first use and kept for the JVM's life.
 * Runners in one JVM with the same {@code rocksdb.memory.bytes} share one budget; a runner with another size
 * (tests) gets its own pair. The pair is never closed: stores come and go with every rebalance, and closing it
 * under a store still open would end that store's use of it.
 */
public final class BoundedRocksDBMemory implements RocksDBConfigSetter {
    /** Streams configuration entry with the budget in bytes, set by {@link AppConfig#streamsProperties}; no client reads it. */
    static final String BYTES_CONFIG = "eventpipelines.rocksdb.memory.bytes";
    /**
     * The app's stores are small (one entry per product, or per sensor or service and minute), so most of the
     * budget goes to memtables being written, and 64 MiB leaves a 300 MiB container room for the heap.
     */
    public static final long DEFAULT_BYTES = 64L * 1024 * 1024;
    /** Below this the write buffers would flush memtables of a few hundred KiB over and over. */
    public static final long MIN_BYTES = 8L * 1024 * 1024;
    /** Share of the budget memtables may take before the manager flushes the largest; the rest is for blocks. */
    static final double WRITE_BUFFER_SHARE = 0.5;
    /** Share of the cache kept for index and filter blocks, so data blocks do not evict them. */
    private static final double INDEX_AND_FILTER_SHARE = 0.1;
    /** Kafka Streams' own memtable size, which a small budget lowers (see {@link #memtableBytes}). */
    private static final long MAX_MEMTABLE_BYTES = 16L * 1024 * 1024;

    private static final ConcurrentMap<Long, Shared> BUDGETS = new ConcurrentHashMap<>();

    /** The cache and write buffer manager of one budget. */
    record Shared(Cache cache, WriteBufferManager writeBufferManager) {
        static Shared create(long bytes) {
            RocksDB.loadLibrary();
            // Not a strict limit: with one, a read or write that finds the cache full of pinned blocks and
            // memtable reservations fails, and the task with it; without, the cache briefly runs over instead.
            Cache cache = new LRUCache(bytes, -1, false, INDEX_AND_FILTER_SHARE);
            return new Shared(cache, new WriteBufferManager(writeBufferBytes(bytes), cache));
        }
    }

    public BoundedRocksDBMemory() {
        // Kafka Streams instantiates it by class name, once per store it opens.
    }

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        long bytes = bytes(configs);
        Shared shared = shared(bytes);
        // Kafka Streams' table config, changed in place: a new one would hide the cache from its metrics.
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(shared.cache());
        // Index and filter blocks in the cache, counted in the budget, rather than in each table reader's heap.
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        // Partitioned index and filters load only the partitions a lookup needs; their small top level stays
        // pinned, so a lookup never waits for it to be read back after an eviction.
        table.setIndexType(IndexType.kTwoLevelIndexSearch);
        table.setPartitionFilters(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setTableFormatConfig(table);
        options.setWriteBufferManager(shared.writeBufferManager());
        options.setWriteBufferSize(memtableBytes(bytes));
    }

    @Override
    public void close(String storeName, Options options) {
        // Shared by every store of the JVM: nothing of this store's own to close.
    }

    static Shared shared(long bytes) {
        return BUDGETS.computeIfAbsent(bytes, Shared::create);
    }

    static long bytes(Map<String, Object> configs) {
        Object configured = configs.get(BYTES_CONFIG);
        return configured == null ? DEFAULT_BYTES : Long.parseLong(configured.toString());
    }

    static long writeBufferBytes(long bytes) {
        return (long) (bytes * WRITE_BUFFER_SHARE);
    }

    /**
     * A memtable's size: at most an eighth of the write buffers. Each active memtable takes an arena block of an
     * eighth of its size (at most 1 MiB) on its first write; with many stores and segments at Kafka Streams' 16 MiB
     * those blocks alone would reach the manager's limit and force flushes of nearly empty memtables.
     */
    static long memtableBytes(long bytes) {
        return Math.min(MAX_MEMTABLE_BYTES, writeBufferBytes(bytes) / 8);
    }
}
