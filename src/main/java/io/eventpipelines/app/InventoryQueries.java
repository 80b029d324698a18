package io.eventpipelines.app;

import io.eventpipelines.orders.InventoryTopology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Interactive queries of the inventory's stock store, answered by any instance: a key another instance owns
 * is fetched from that instance over HTTP ({@code application.server}); while ownership is unknown or the
 * store is migrating or restoring, the answer is "unavailable, retry" rather than a wait or a wrong host.
 */
final class InventoryQueries {
    /** Marks a forwarded request: it is answered from local state only, so two instances never forward in a loop. */
    static final String LOCAL_ONLY_PARAM = "local=true";

    sealed interface Answer permits Stock, NotFound, Unavailable {
    }

    record Stock(String productId, int stock) implements Answer {
    }

    record NotFound(String productId) implements Answer {
    }

    record Unavailable(String reason) implements Answer {
    }

    record Page(List<Stock> items, String next) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final KafkaStreams streams;
    private final HostInfo self;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    InventoryQueries(KafkaStreams streams, HostInfo self) {
        this.streams = streams;
        this.self = self;
    }

    Answer stock(String productId, boolean localOnly) {
        KeyQueryMetadata metadata;
        try {
            metadata = streams.queryMetadataForKey(InventoryTopology.STOCK_STORE, productId, Serdes.String().serializer());
        } catch (IllegalStateException | InvalidStateStoreException e) {
            return new Unavailable("the inventory pipeline is not running: " + e.getMessage());
        }
        if (metadata == null || metadata.equals(KeyQueryMetadata.NOT_AVAILABLE)
                || metadata.activeHost() == null || metadata.activeHost().port() < 0) {
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

    /** Products after {@code after} (exclusive), in order, at most {@code limit}, from every instance. */
    Page page(String after, int limit, boolean localOnly) {
        TreeMap<String, Integer> merged = new TreeMap<>(localRange(after, limit));
        if (!localOnly) {
            for (StreamsMetadata instance : streams.metadataForAllStreamsClients()) {
                if (instance.hostInfo().equals(self) || !instance.stateStoreNames().contains(InventoryTopology.STOCK_STORE)) {
                    continue;
                }
                merged.putAll(remoteRange(instance.hostInfo(), after, limit));
            }
        }
        List<Stock> items = new ArrayList<>();
        for (Map.Entry<String, Integer> entry : merged.entrySet()) {
            if (items.size() == limit) {
                break;
            }
            items.add(new Stock(entry.getKey(), entry.getValue()));
        }
        String next = items.size() == limit && merged.size() > limit ? items.get(limit - 1).productId() : null;
        return new Page(items, next);
    }

    private Map<String, Integer> localRange(String after, int limit) {
        Map<String, Integer> range = new TreeMap<>();
        ReadOnlyKeyValueStore<String, Integer> store = localStore();
        try (KeyValueIterator<String, Integer> all = after == null ? store.all() : store.range(after, null)) {
            // Keys are ordered within each partition's store but not across them: read every candidate, sort, then cut.
            while (all.hasNext()) {
                KeyValue<String, Integer> entry = all.next();
                if (after == null || entry.key.compareTo(after) > 0) {
                    range.put(entry.key, entry.value);
                }
            }
        }
        return trim(range, limit);
    }

    private static Map<String, Integer> trim(Map<String, Integer> sorted, int limit) {
        Map<String, Integer> first = new TreeMap<>();
        for (Map.Entry<String, Integer> entry : sorted.entrySet()) {
            if (first.size() > limit) {
                break;
            }
            first.put(entry.getKey(), entry.getValue());
        }
        return first;
    }

    private ReadOnlyKeyValueStore<String, Integer> localStore() {
        return streams.store(StoreQueryParameters.fromNameAndType(InventoryTopology.STOCK_STORE,
                QueryableStoreTypes.<String, Integer>keyValueStore()));
    }

    private Answer forward(HostInfo owner, String pathAndQuery, String productId) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://" + owner.host() + ":"
                    + owner.port() + pathAndQuery)).timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return switch (response.statusCode()) {
                case 200 -> new Stock(productId, JSON.readTree(response.body()).get("stock").asInt());
                case 404 -> new NotFound(productId);
                default -> new Unavailable("the owner " + owner.host() + ":" + owner.port() + " answered " + response.statusCode());
            };
        } catch (IOException e) {
            return new Unavailable("the owner " + owner.host() + ":" + owner.port() + " cannot be reached: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Unavailable("interrupted");
        }
    }

    private Map<String, Integer> remoteRange(HostInfo host, String after, int limit) {
        String query = "/inventory?" + LOCAL_ONLY_PARAM + "&limit=" + (limit + 1) + (after == null ? "" : "&after=" + encode(after));
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://" + host.host() + ":" + host.port()
                    + query)).timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new InvalidStateStoreException(host + " answered " + response.statusCode());
            }
            Map<String, Integer> range = new TreeMap<>();
            for (JsonNode item : JSON.readTree(response.body()).get("items")) {
                range.put(item.get("productId").asText(), item.get("stock").asInt());
            }
            return range;
        } catch (IOException e) {
            throw new InvalidStateStoreException(host + " cannot be reached: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InvalidStateStoreException("interrupted");
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
