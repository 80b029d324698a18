package io.eventpipelines.app.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventpipelines.orders.InventoryTopology;
import io.eventpipelines.streams.PipelineTopics;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.LagInfo;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Interactive queries of the inventory's stock store, answered by any instance: a key another instance owns
 * is fetched from that instance over HTTP ({@code application.server}). When the owner cannot answer (killed,
 * unreachable, restoring), a standby copy ({@code num.standby.replicas}) answers with its lag, within the
 * client's {@code max-lag}; only when no copy can, the answer is "unavailable, retry".
 *
 * <p>Answers are read from the stores as they are, including what the stream threads wrote since their last
 * commit: under exactly-once that stock may still be rolled back if the transaction aborts (a crash, a fenced
 * producer), and the same query may then answer a lower or higher stock. Kafka Streams 4.3's interactive
 * queries offer no read_committed view of a store (neither {@code StoreQueryParameters} nor IQv2's
 * {@code StateQueryRequest} take an isolation level), so only {@code inventory-updates} read under
 * read_committed is the committed record of the stock.
 */
final class InventoryQueries {
    /** Marks a forwarded request: it is answered from local state only, so two instances never forward in a loop. */
    static final String LOCAL_ONLY_PARAM = "local=true";

    static final String MAX_LAG_PARAM = "max-lag";
    static final String LAG_HEADER = "X-Stock-Lag";
    static final String COPY_HEADER = "X-Stock-Copy";

    /** Bounds the lag of the copy that answers, in offsets: unbounded unless the client asks ({@code max-lag}). */
    static final long ANY_LAG = Long.MAX_VALUE;

    sealed interface Answer permits Found, NotFound, Unavailable {}

    /** Written as JSON in the order of its components: {@code {"productId":...,"stock":...}}. */
    record Stock(String productId, int stock) {}

    /**
     * Which copy of the store answered and how far behind its changelog's end it was, in offsets
     * ({@link LagInfo#offsetLag()}; the running active store is the changelog's writer, lag 0).
     */
    record Copy(Kind kind, long lag) {
        enum Kind {
            ACTIVE,
            RESTORING,
            STANDBY;

            String header() {
                return name().toLowerCase(Locale.ROOT);
            }
        }

        static final Copy ACTIVE = new Copy(Kind.ACTIVE, 0);
    }

    record Found(Stock stock, Copy copy) implements Answer {}

    record NotFound(String productId, Copy copy) implements Answer {}

    record Unavailable(String reason) implements Answer {}

    record Page(List<Stock> items, String next) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A peer that takes longer is answered for with 503 and Retry-After, as one that cannot be reached. */
    private static final Duration PEER_TIMEOUT = Duration.ofSeconds(5);

    private final KafkaStreams streams;
    private final HostInfo self;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    InventoryQueries(KafkaStreams streams, HostInfo self) {
        this.streams = streams;
        this.self = self;
    }

    /**
     * A product's stock from the first copy that answers within {@code maxLag}, the owner first: its store (here
     * or forwarded to it), else a copy here or on a standby host that holds the product's partition. A standby
     * or a restoring active copy answers with its offset lag, so that an owner that crashed, or a rebalance,
     * does not turn queries into errors for the session timeout and the restoration. {@code localOnly} (a
     * forwarded request) answers from this instance's copies only.
     */
    Answer stock(String productId, boolean localOnly, long maxLag) {
        KeyQueryMetadata metadata;
        try {
            metadata = streams.queryMetadataForKey(
                    InventoryTopology.STOCK_STORE, productId, Serdes.String().serializer());
        } catch (IllegalStateException | InvalidStateStoreException e) {
            return new Unavailable("the inventory pipeline is not running: " + e.getMessage());
        }
        if (metadata == null || metadata.equals(KeyQueryMetadata.NOT_AVAILABLE) || metadata.partition() < 0) {
            return new Unavailable("the owner of product '" + productId + "' is not known yet (rebalancing)");
        }
        if (localOnly) {
            return local(productId, metadata.partition(), maxLag);
        }
        List<HostInfo> copies = new ArrayList<>();
        if (metadata.activeHost() != null && metadata.activeHost().port() >= 0) {
            copies.add(metadata.activeHost());
        }
        copies.addAll(metadata.standbyHosts());
        if (!copies.contains(self)) {
            // A copy here that the metadata does not list yet (a standby that just became active) is still one.
            copies.add(self);
        }
        List<String> reasons = new ArrayList<>();
        for (HostInfo host : copies) {
            Answer answer = host.equals(self)
                    ? local(productId, metadata.partition(), maxLag)
                    : forward(host, productId, maxLag);
            if (!(answer instanceof Unavailable unavailable)) {
                return answer;
            }
            reasons.add(unavailable.reason());
        }
        return new Unavailable(String.join("; ", reasons));
    }

    /** The product from this instance's copy of its partition: the running active store, else a stale copy. */
    private Answer local(String productId, int partition, long maxLag) {
        try {
            Integer stock = store(partition, false).get(productId);
            return found(productId, stock, Copy.ACTIVE);
        } catch (InvalidStateStoreException notActiveHere) {
            // Not the running owner here: a standby, an active task restoring, or no copy at all.
        }
        Integer stock;
        try {
            stock = store(partition, true).get(productId);
        } catch (InvalidStateStoreException e) {
            return new Unavailable(self.host() + ":" + self.port() + " has no copy of partition " + partition);
        }
        LagInfo lag;
        try {
            // One ListOffsets round trip to the cluster, on this fallback path only.
            lag = streams.allLocalStorePartitionLags()
                    .getOrDefault(InventoryTopology.STOCK_STORE, Map.of())
                    .get(partition);
        } catch (KafkaException e) {
            return new Unavailable(self.host() + ":" + self.port() + " cannot learn its copy's lag: " + e.getMessage());
        }
        if (lag == null) {
            return new Unavailable(self.host() + ":" + self.port() + " does not know its copy's lag yet");
        }
        if (lag.offsetLag() > maxLag) {
            return new Unavailable(self.host() + ":" + self.port() + "'s copy of partition " + partition + " lags "
                    + lag.offsetLag() + " offsets, more than max-lag " + maxLag);
        }
        Copy.Kind kind = isStandby(partition) ? Copy.Kind.STANDBY : Copy.Kind.RESTORING;
        if (stock == null) {
            // A copy that lags may not have the product yet: "unknown product" is the owner's answer to give.
            return new Unavailable(self.host() + ":" + self.port() + "'s " + kind.header() + " copy, " + lag.offsetLag()
                    + " offsets behind, does not have product '" + productId + "'");
        }
        return new Found(new Stock(productId, stock), new Copy(kind, lag.offsetLag()));
    }

    private static Answer found(String productId, Integer stock, Copy copy) {
        return stock == null ? new NotFound(productId, copy) : new Found(new Stock(productId, stock), copy);
    }

    /**
     * Products after {@code after} (exclusive), at most {@code limit}, from every instance, in the stores' order:
     * the UTF-8 bytes of the product id, unsigned (a String-keyed RocksDB store's order, which differs from
     * {@link String#compareTo} for characters beyond U+FFFF). Each local partition's store is read with one range
     * from {@code after}, and the partitions and the peers' pages are merged lazily, so a page reads
     * about {@code limit} keys per source whatever the store holds. Each peer is asked for one page of its own;
     * its {@code next} says whether it has more, so {@code next} here is null only on the last page.
     */
    Page page(String after, int limit, boolean localOnly) {
        List<Peer> peers = localOnly ? List.of() : askPeers(after, limit);
        List<KeyValueIterator<String, Integer>> open = new ArrayList<>();
        try {
            List<Iterator<Stock>> sources = new ArrayList<>();
            for (int partition : localStorePartitions()) {
                KeyValueIterator<String, Integer> range =
                        store(partition, false).range(after, null);
                open.add(range);
                sources.add(stocks(range));
            }
            boolean peersHaveMore = false;
            for (Peer peer : peers) {
                Page remote = peer.page().join();
                sources.add(remote.items().iterator());
                peersHaveMore |= remote.next() != null;
            }
            List<Stock> items = merged(sources, after, limit + 1);
            boolean more = items.size() > limit || peersHaveMore;
            if (items.size() > limit) {
                items = items.subList(0, limit);
            }
            return new Page(
                    List.copyOf(items),
                    more && !items.isEmpty() ? items.get(items.size() - 1).productId() : null);
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        } finally {
            open.forEach(KeyValueIterator::close);
        }
    }

    /**
     * The first {@code count} items after {@code after} of sorted sources, taken one at a time from the source
     * with the least next key. A product lives in one partition; the same key from two sources (an ownership
     * change between two metadata reads) is listed once.
     */
    static List<Stock> merged(List<Iterator<Stock>> sources, String after, int count) {
        PriorityQueue<Head> heads = new PriorityQueue<>((x, y) -> Arrays.compareUnsigned(x.key(), y.key()));
        for (Iterator<Stock> source : sources) {
            advance(source, heads);
        }
        List<Stock> items = new ArrayList<>();
        String last = after;
        while (items.size() < count && !heads.isEmpty()) {
            Head head = heads.poll();
            if (!head.stock().productId().equals(last)) {
                items.add(head.stock());
                last = head.stock().productId();
            }
            advance(head.rest(), heads);
        }
        return items;
    }

    /** A source's next item, with its key's bytes for the order. */
    private record Head(Stock stock, byte[] key, Iterator<Stock> rest) {}

    private static void advance(Iterator<Stock> source, PriorityQueue<Head> heads) {
        if (source.hasNext()) {
            Stock next = source.next();
            heads.add(new Head(next, next.productId().getBytes(StandardCharsets.UTF_8), source));
        }
    }

    private static Iterator<Stock> stocks(KeyValueIterator<String, Integer> range) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return range.hasNext();
            }

            @Override
            public Stock next() {
                KeyValue<String, Integer> entry = range.next();
                return new Stock(entry.key, entry.value);
            }
        };
    }

    /**
     * Partitions of the stock store this instance is active for: those of its active tasks that read the
     * repartition topic, the store's only source.
     */
    private List<Integer> localStorePartitions() {
        List<Integer> partitions = new ArrayList<>();
        for (ThreadMetadata thread : streams.metadataForLocalThreads()) {
            partitions.addAll(storePartitions(thread.activeTasks()));
        }
        return partitions;
    }

    private boolean isStandby(int partition) {
        return streams.metadataForLocalThreads().stream()
                .anyMatch(thread -> storePartitions(thread.standbyTasks()).contains(partition));
    }

    private static List<Integer> storePartitions(Set<TaskMetadata> tasks) {
        String repartitionTopic = "-" + PipelineTopics.repartition(InventoryTopology.COMMANDS_BY_PRODUCT);
        return tasks.stream()
                .filter(task -> task.topicPartitions().stream()
                        .anyMatch(tp -> tp.topic().endsWith(repartitionTopic)))
                .map(task -> task.taskId().partition())
                .toList();
    }

    /** A peer and its page, on its way. */
    private record Peer(HostInfo host, CompletableFuture<Page> page) {}

    /** Every peer is asked at once, so a page waits for the slowest peer, not for their sum. */
    private List<Peer> askPeers(String after, int limit) {
        List<Peer> peers = new ArrayList<>();
        for (StreamsMetadata instance : streams.metadataForAllStreamsClients()) {
            if (!instance.hostInfo().equals(self)
                    && instance.stateStoreNames().contains(InventoryTopology.STOCK_STORE)) {
                peers.add(new Peer(instance.hostInfo(), remotePage(instance.hostInfo(), after, limit)));
            }
        }
        return peers;
    }

    /** One partition's store here; {@code stale} admits a standby's or a restoring active task's copy. */
    private ReadOnlyKeyValueStore<String, Integer> store(int partition, boolean stale) {
        StoreQueryParameters<ReadOnlyKeyValueStore<String, Integer>> parameters = StoreQueryParameters.fromNameAndType(
                        InventoryTopology.STOCK_STORE, QueryableStoreTypes.<String, Integer>keyValueStore())
                .withPartition(partition);
        return streams.store(stale ? parameters.enableStaleStores() : parameters);
    }

    /**
     * Asks another copy's host to answer from its own copies ({@code local=true}), within the same bound; its
     * copy headers come back with the answer. Unreachable, slow or unavailable is "try the next copy".
     */
    private Answer forward(HostInfo host, String productId, long maxLag) {
        String hostAndPort = host.host() + ":" + host.port();
        String query = "/inventory/" + encode(productId) + "?" + LOCAL_ONLY_PARAM
                + (maxLag == ANY_LAG ? "" : "&" + MAX_LAG_PARAM + "=" + maxLag);
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create("http://" + hostAndPort + query))
                            .timeout(PEER_TIMEOUT)
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode body = JSON.readTree(response.body());
            return switch (response.statusCode()) {
                case 200 -> new Found(new Stock(productId, body.get("stock").asInt()), copy(response));
                case 404 -> new NotFound(productId, copy(response));
                default ->
                    new Unavailable(hostAndPort + " answered " + response.statusCode()
                            + (body.hasNonNull("reason")
                                    ? ": " + body.get("reason").asText()
                                    : ""));
            };
        } catch (IOException | RuntimeException e) {
            return new Unavailable(hostAndPort + " cannot be reached or answered something else: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Unavailable("interrupted");
        }
    }

    /** The copy a peer answered from, as its headers say. */
    private static Copy copy(HttpResponse<String> response) {
        Optional<String> kind = response.headers().firstValue(COPY_HEADER);
        if (kind.isEmpty()) {
            // An instance of a version before standby queries, mid-upgrade: it answered from its active store only.
            return Copy.ACTIVE;
        }
        long lag = Long.parseLong(response.headers().firstValue(LAG_HEADER).orElse("0"));
        return new Copy(Copy.Kind.valueOf(kind.get().toUpperCase(Locale.ROOT)), lag);
    }

    private CompletableFuture<Page> remotePage(HostInfo host, String after, int limit) {
        String query =
                "/inventory?" + LOCAL_ONLY_PARAM + "&limit=" + limit + (after == null ? "" : "&after=" + encode(after));
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + host.host() + ":" + host.port() + query))
                .timeout(PEER_TIMEOUT)
                .GET()
                .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).handle((response, failure) -> {
            if (failure != null) {
                throw new InvalidStateStoreException(host + " cannot be reached: " + failure.getMessage());
            }
            if (response.statusCode() != 200) {
                throw new InvalidStateStoreException(host + " answered " + response.statusCode());
            }
            try {
                JsonNode body = JSON.readTree(response.body());
                List<Stock> items = new ArrayList<>();
                for (JsonNode item : body.get("items")) {
                    items.add(new Stock(
                            item.get("productId").asText(), item.get("stock").asInt()));
                }
                return new Page(
                        items,
                        body.get("next").isNull() ? null : body.get("next").asText());
            } catch (IOException | RuntimeException e) {
                throw new InvalidStateStoreException(host + " answered something else than a page: " + e.getMessage());
            }
        });
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
