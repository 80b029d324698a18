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
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.KeyValue;
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
 * is fetched from that instance over HTTP ({@code application.server}); while ownership is unknown or the
 * store is migrating or restoring, the answer is "unavailable, retry" rather than a wait or a wrong host.
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

    sealed interface Answer permits Stock, NotFound, Unavailable {}

    /** Written as JSON in the order of its components: {@code {"productId":...,"stock":...}}. */
    record Stock(String productId, int stock) implements Answer {}

    record NotFound(String productId) implements Answer {}

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

    Answer stock(String productId, boolean localOnly) {
        KeyQueryMetadata metadata;
        try {
            metadata = streams.queryMetadataForKey(
                    InventoryTopology.STOCK_STORE, productId, Serdes.String().serializer());
        } catch (IllegalStateException | InvalidStateStoreException e) {
            return new Unavailable("the inventory pipeline is not running: " + e.getMessage());
        }
        if (metadata == null
                || metadata.equals(KeyQueryMetadata.NOT_AVAILABLE)
                || metadata.activeHost() == null
                || metadata.activeHost().port() < 0) {
            return new Unavailable("the owner of product '" + productId + "' is not known yet (rebalancing)");
        }
        if (metadata.activeHost().equals(self) || localOnly) {
            try {
                Integer stock = localStore().get(productId);
                return stock == null ? new NotFound(productId) : new Stock(productId, stock);
            } catch (InvalidStateStoreException e) {
                return new Unavailable("the stock store is migrating or restoring: " + e.getMessage());
            }
        }
        return forward(metadata.activeHost(), "/inventory/" + encode(productId) + "?" + LOCAL_ONLY_PARAM, productId);
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
                KeyValueIterator<String, Integer> range = localStore(partition).range(after, null);
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
        String repartitionTopic = "-" + PipelineTopics.repartition(InventoryTopology.COMMANDS_BY_PRODUCT);
        List<Integer> partitions = new ArrayList<>();
        for (ThreadMetadata thread : streams.metadataForLocalThreads()) {
            for (TaskMetadata task : thread.activeTasks()) {
                if (task.topicPartitions().stream().anyMatch(tp -> tp.topic().endsWith(repartitionTopic))) {
                    partitions.add(task.taskId().partition());
                }
            }
        }
        return partitions;
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

    private ReadOnlyKeyValueStore<String, Integer> localStore(int partition) {
        return streams.store(StoreQueryParameters.fromNameAndType(
                        InventoryTopology.STOCK_STORE, QueryableStoreTypes.<String, Integer>keyValueStore())
                .withPartition(partition));
    }

    private ReadOnlyKeyValueStore<String, Integer> localStore() {
        return streams.store(StoreQueryParameters.fromNameAndType(
                InventoryTopology.STOCK_STORE, QueryableStoreTypes.<String, Integer>keyValueStore()));
    }

    private Answer forward(HostInfo owner, String pathAndQuery, String productId) {
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create("http://" + owner.host() + ":" + owner.port() + pathAndQuery))
                            .timeout(PEER_TIMEOUT)
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return switch (response.statusCode()) {
                case 200 ->
                    new Stock(
                            productId,
                            JSON.readTree(response.body()).get("stock").asInt());
                case 404 -> new NotFound(productId);
                default ->
                    new Unavailable(
                            "the owner " + owner.host() + ":" + owner.port() + " answered " + response.statusCode());
            };
        } catch (IOException e) {
            return new Unavailable(
                    "the owner " + owner.host() + ":" + owner.port() + " cannot be reached: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Unavailable("interrupted");
        }
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
