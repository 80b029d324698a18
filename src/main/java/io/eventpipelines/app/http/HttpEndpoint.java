package io.eventpipelines.app.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.eventpipelines.app.AppConfig;
import io.eventpipelines.app.InvalidConfigException;
import io.eventpipelines.app.Pipeline;
import io.eventpipelines.app.PipelineRunner;
import io.eventpipelines.app.TopologyFormat;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The instance's HTTP side: health for orchestrators, topology descriptions, Prometheus metrics and
 * interactive queries of the inventory. Small on purpose: the JDK's server, JSON through Jackson.
 */
public final class HttpEndpoint implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpEndpoint.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RETRY_AFTER_SECONDS = "1";
    private static final int DEFAULT_PAGE = 100;
    private static final int MAX_PAGE = 1000;

    /** Inventory queries waiting for a pool thread beyond this are answered 503 at once rather than queued. */
    private static final int QUERY_BACKLOG = 32;

    private final HttpServer server;
    private final ExecutorService executor;
    private final ThreadPoolExecutor queries;
    private final PipelineRunner runner;
    private final Supplier<String> metrics;
    private final InventoryQueries inventory;

    HttpEndpoint(String host, int port, PipelineRunner runner, Supplier<String> metrics, InventoryQueries inventory)
            throws IOException {
        this.runner = runner;
        this.metrics = metrics;
        this.inventory = inventory;
        this.server = HttpServer.create(new InetSocketAddress(host, port), 0);
        // Two pools: inventory queries may wait up to InventoryQueries.PEER_TIMEOUT for a peer, and enough of them
        // must never delay /health/live past the Docker health check's 3 s timeout (a restart), nor /metrics.
        this.executor = Executors.newFixedThreadPool(2, daemon("http-endpoint"));
        this.queries = new ThreadPoolExecutor(
                4,
                4,
                0,
                TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(QUERY_BACKLOG),
                daemon("http-inventory-query"));
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    /**
     * Serves {@code runner}'s health, topology, metrics and inventory on {@code http.port}, when it is set. Started
     * by the commands that want it, once the pipelines are.
     *
     * @throws InvalidConfigException when the port cannot be bound
     */
    public static Optional<HttpEndpoint> startIfEnabled(AppConfig config, PipelineRunner runner) {
        if (config.httpPort() == 0) {
            return Optional.empty();
        }
        KafkaStreams inventory = runner.streams().get(Pipeline.INVENTORY);
        InventoryQueries queries = inventory == null
                ? null
                : new InventoryQueries(inventory, HostInfo.buildFromEndpoint(config.applicationServer()));
        HttpEndpoint http;
        try {
            http = new HttpEndpoint(config.httpHost(), config.httpPort(), runner, runner.metrics()::scrape, queries);
        } catch (IOException e) {
            throw new InvalidConfigException(
                    AppConfig.HTTP_PORT_CONFIG,
                    "cannot listen on " + config.httpHost() + ":" + config.httpPort() + ": " + e.getMessage());
        }
        http.start();
        return Optional.of(http);
    }

    private void start() {
        server.start();
        log.info("HTTP endpoint on port {}: /health/live /health/ready /topology /metrics /inventory", port());
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread thread = new Thread(r, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    @Override
    public void close() {
        server.stop(0);
        queries.shutdownNow();
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) {
        String rawPath = exchange.getRequestURI().getRawPath();
        if (rawPath.equals("/inventory") || rawPath.startsWith("/inventory/")) {
            try {
                queries.execute(() -> respond(exchange));
            } catch (RejectedExecutionException busy) {
                try (exchange) {
                    unavailable(exchange, "too many inventory queries in progress on this instance");
                } catch (IOException e) {
                    log.debug("HTTP response to {} failed", exchange.getRequestURI(), e);
                }
            }
            return;
        }
        respond(exchange);
    }

    private void respond(HttpExchange exchange) {
        try (exchange) {
            try {
                route(exchange);
            } catch (UriParts.BadRequest e) {
                json(exchange, 400, fields("error", e.getMessage()));
            } catch (RuntimeException e) {
                // The exception's text is for the log, not for any client that can reach the port.
                log.warn("HTTP request {} failed", exchange.getRequestURI(), e);
                json(exchange, 500, fields("error", "internal error, see the instance's log"));
            }
        } catch (IOException e) {
            log.debug("HTTP response to {} failed", exchange.getRequestURI(), e);
        }
    }

    private void route(HttpExchange exchange) throws IOException {
        if (!exchange.getRequestMethod().equals("GET")) {
            json(exchange, 405, fields("error", "only GET is supported"));
            return;
        }
        String path = exchange.getRequestURI().getRawPath();
        Map<String, String> query = UriParts.query(exchange.getRequestURI().getRawQuery());
        switch (path) {
            case "/health/live" -> health(exchange, runner.isLive());
            case "/health/ready" -> health(exchange, runner.isReady());
            case "/topology" -> topology(exchange, query.get("format"));
            case "/metrics" -> text(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.get());
            case "/inventory" -> inventoryPage(exchange, query);
            default -> {
                if (path.startsWith("/inventory/") && path.length() > "/inventory/".length()) {
                    inventoryItem(
                            exchange,
                            UriParts.decoded(path.substring("/inventory/".length())),
                            localOnly(query),
                            maxLag(query));
                } else {
                    json(exchange, 404, fields("error", "no such endpoint: " + path));
                }
            }
        }
    }

    /** {@code local=true} marks a forwarded request; absent or {@code false} is an ordinary one. */
    private static boolean localOnly(Map<String, String> query) {
        String local = query.get("local");
        if (local == null || local.equals("false")) {
            return false;
        }
        if (local.equals("true")) {
            return true;
        }
        throw new UriParts.BadRequest("local must be true or false");
    }

    /**
     * Without {@code format}, each pipeline's {@code describe()} text in a JSON object (as before formats existed);
     * {@code format=json} the structure, {@code mermaid} Markdown with a flowchart per pipeline, {@code text} Kafka's.
     */
    private void topology(HttpExchange exchange, String format) throws IOException {
        if (format == null) {
            Map<String, String> texts = new LinkedHashMap<>();
            runner.describe().forEach((id, topology) -> texts.put(id, topology.toString()));
            json(exchange, 200, texts);
            return;
        }
        TopologyFormat as;
        try {
            as = TopologyFormat.parse(format);
        } catch (IllegalArgumentException e) {
            json(exchange, 400, fields("error", e.getMessage()));
            return;
        }
        String body = as.render(runner.applicationIdPrefix(), runner.describe());
        String type = switch (as) {
            case JSON -> "application/json";
            case MERMAID -> "text/markdown; charset=utf-8";
            case TEXT -> "text/plain; charset=utf-8";
        };
        text(exchange, 200, type, body);
    }

    private void health(HttpExchange exchange, boolean healthy) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", healthy ? "UP" : "DOWN");
        Map<String, String> states = new LinkedHashMap<>();
        runner.states().forEach((pipeline, state) -> states.put(pipeline.id(), state.name()));
        body.put("pipelines", states);
        Map<String, Map<String, Long>> stalled = runner.stalled();
        if (!stalled.isEmpty()) {
            body.put("stalled", stalled);
        }
        body.put("details", runner.details());
        json(exchange, healthy ? 200 : 503, body);
    }

    private void inventoryItem(HttpExchange exchange, String productId, boolean localOnly, long maxLag)
            throws IOException {
        if (inventory == null) {
            json(exchange, 404, fields("error", "this instance does not run the inventory pipeline"));
            return;
        }
        InventoryQueries.Answer answer = inventory.stock(productId, localOnly, maxLag);
        if (answer instanceof InventoryQueries.Found found) {
            copyHeaders(exchange, found.copy());
            json(exchange, 200, found.stock());
        } else if (answer instanceof InventoryQueries.NotFound missing) {
            copyHeaders(exchange, missing.copy());
            json(exchange, 404, fields("error", "unknown product", "productId", missing.productId()));
        } else {
            unavailable(exchange, ((InventoryQueries.Unavailable) answer).reason());
        }
    }

    /** {@code max-lag}: the most offsets the answering copy may lag its changelog; absent, any copy answers. */
    private static long maxLag(Map<String, String> query) {
        String value = query.get(InventoryQueries.MAX_LAG_PARAM);
        if (value == null) {
            return InventoryQueries.ANY_LAG;
        }
        try {
            long maxLag = Long.parseLong(value);
            if (maxLag >= 0) {
                return maxLag;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new UriParts.BadRequest(InventoryQueries.MAX_LAG_PARAM + " must be a whole number of offsets, 0 or more");
    }

    private static void copyHeaders(HttpExchange exchange, InventoryQueries.Copy copy) {
        exchange.getResponseHeaders()
                .set(InventoryQueries.COPY_HEADER, copy.kind().header());
        exchange.getResponseHeaders().set(InventoryQueries.LAG_HEADER, Long.toString(copy.lag()));
    }

    private void inventoryPage(HttpExchange exchange, Map<String, String> query) throws IOException {
        if (inventory == null) {
            json(exchange, 404, fields("error", "this instance does not run the inventory pipeline"));
            return;
        }
        int limit;
        try {
            limit = Math.min(
                    MAX_PAGE, Math.max(1, Integer.parseInt(query.getOrDefault("limit", String.valueOf(DEFAULT_PAGE)))));
        } catch (NumberFormatException e) {
            json(exchange, 400, fields("error", "limit must be a number"));
            return;
        }
        try {
            InventoryQueries.Page page = inventory.page(query.get("after"), limit, localOnly(query));
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("items", page.items());
            body.put("next", page.next());
            json(exchange, 200, body);
        } catch (InvalidStateStoreException | IllegalStateException e) {
            unavailable(exchange, e.getMessage());
        }
    }

    private static void unavailable(HttpExchange exchange, String reason) throws IOException {
        exchange.getResponseHeaders().set("Retry-After", RETRY_AFTER_SECONDS);
        json(exchange, 503, fields("error", "unavailable, retry", "reason", reason));
    }

    /**
     * A JSON object with its fields in the order given. Every answer has one field order, whichever instance gives
     * it: a forwarded {@code /inventory/{id}} answer is byte for byte the owner's ({@code Map.of} orders its keys
     * differently in each JVM).
     */
    private static Map<String, Object> fields(Object... namesAndValues) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            fields.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return fields;
    }

    private static void json(HttpExchange exchange, int status, Object body) throws IOException {
        text(exchange, status, "application/json", JSON.writeValueAsString(body));
    }

    private static void text(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
