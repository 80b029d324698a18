package io.eventpipelines.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.apache.kafka.streams.state.internals.BlockBasedTableConfigWithAccessibleCache;
import org.junit.jupiter.api.Test;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.IndexType;
import org.rocksdb.Options;

/** The setter as Kafka Streams uses it: a new instance per store, each handed that store's fresh options. */
class BoundedRocksDBMemoryTest {
    private static final long MIB = 1024 * 1024;

    /** What RocksDBStore hands a config setter: its own table config, whose cache its metrics read back. */
    private static Options storeOptions() {
        Options options = new Options();
        options.setTableFormatConfig(new BlockBasedTableConfigWithAccessibleCache());
        return options;
    }

    private static Options configured(String store, long budget) {
        Options options = storeOptions();
        BoundedRocksDBMemory setter = new BoundedRocksDBMemory();
        setter.setConfig(store, options, Map.of(BoundedRocksDBMemory.BYTES_CONFIG, Long.toString(budget)));
        setter.close(store, options);
        return options;
    }

    private static BlockBasedTableConfigWithAccessibleCache table(Options options) {
        return (BlockBasedTableConfigWithAccessibleCache) options.tableFormatConfig();
    }

    @Test
    void everyStoreGetsTheSameCacheAndWriteBufferManagerWhichItsCloseLeavesOpen() {
        Options stock = configured("inventory-stock", 40 * MIB);
        Options segment = configured("temperature-stats-store.1764000000000", 40 * MIB);
        try (stock;
                segment) {
            assertSame(table(stock).blockCache(), table(segment).blockCache());
            assertSame(stock.writeBufferManager(), segment.writeBufferManager());
            assertSame(
                    BoundedRocksDBMemory.shared(40 * MIB).cache(), table(stock).blockCache());
            assertTrue(table(stock).blockCache().isOwningHandle(), "still open after the stores' close");
            assertTrue(stock.writeBufferManager().isOwningHandle(), "still open after the stores' close");
            BlockBasedTableConfig table = table(stock);
            assertTrue(table.cacheIndexAndFilterBlocks());
            assertTrue(table.cacheIndexAndFilterBlocksWithHighPriority());
            assertTrue(table.pinTopLevelIndexAndFilter());
            assertTrue(table.partitionFilters());
            assertEquals(IndexType.kTwoLevelIndexSearch, table.indexType());
            // Half of 40 MiB for memtables, an eighth of that each.
            assertEquals(20 * MIB / 8, stock.writeBufferSize());
        }
    }

    /** Two runners in one JVM (tests) with different budgets: each its own cache, neither resized by the other. */
    @Test
    void aDifferentBudgetIsADifferentCache() {
        try (Options small = configured("inventory-stock", 24 * MIB);
                Options large = configured("inventory-stock", 512 * MIB)) {
            assertNotSame(table(small).blockCache(), table(large).blockCache());
            assertNotSame(small.writeBufferManager(), large.writeBufferManager());
            assertEquals(16 * MIB, large.writeBufferSize(), "never above Kafka Streams' own memtable size");
        }
    }

    @Test
    void withoutTheKeyTheDefaultBudget() {
        assertEquals(BoundedRocksDBMemory.DEFAULT_BYTES, BoundedRocksDBMemory.bytes(Map.of()));
        assertEquals(64 * MIB, BoundedRocksDBMemory.DEFAULT_BYTES);
    }
}
