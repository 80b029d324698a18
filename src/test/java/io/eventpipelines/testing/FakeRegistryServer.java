package io.eventpipelines.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * A real HTTP server on 127.0.0.1 that answers like Confluent's Schema Registry with canned
 * responses and records every request, so the REST client is tested over actual sockets.
 */
public final class FakeRegistryServer implements AutoCloseable {
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    public record Request(String method, String rawPath, Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    public record Response(int status, String body) {
        public static Response ok(String body) {
            return new Response(200, body);
        }

        public static Response error(int status, int errorCode, String message) {
            return new Response(status, "{\"error_code\":" + errorCode + ",\"message\":\"" + message + "\"}");
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile Function<Request, Response> handler = r -> Response.error(404, 404, "HTTP 404 Not Found");

    public FakeRegistryServer() throws IOException {
        this(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0));
    }

    /** Over HTTPS with {@code tls}; {@code requireClientCertificate} asks for mutual TLS. */
    public FakeRegistryServer(SSLContext tls, boolean requireClientCertificate) throws IOException {
        this(httpsServer(tls, requireClientCertificate));
    }

    private static HttpServer httpsServer(SSLContext tls, boolean requireClientCertificate) throws IOException {
        HttpsServer https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(tls) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters parameters = tls.getDefaultSSLParameters();
                parameters.setNeedClientAuth(requireClientCertificate);
                params.setSSLParameters(parameters);
            }
        });
        return https;
    }

    private FakeRegistryServer(HttpServer server) {
        this.server = server;
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** A registry that gives every request the same answer, e.g. one refusing our credentials. */
    public static FakeRegistryServer answering(Response response) throws IOException {
        FakeRegistryServer server = new FakeRegistryServer();
        server.respondWith(request -> response);
        return server;
    }

    public String url() {
        return (server instanceof HttpsServer ? "https" : "http") + "://127.0.0.1:"
                + server.getAddress().getPort();
    }

    /**
     * Answers by forwarding to the registry at {@code baseUrl} (a real one), with the same method, path (its query
     * string dropped), body, content type and authorization: a proxy that tests can make fail on chosen requests.
     */
    public static Function<Request, Response> forwardingTo(String baseUrl) {
        HttpClient http = HttpClient.newHttpClient();
        return request -> {
            HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create(baseUrl + request.rawPath()))
                    .method(
                            request.method(),
                            request.body().isEmpty()
                                    ? HttpRequest.BodyPublishers.noBody()
                                    : HttpRequest.BodyPublishers.ofString(request.body()));
            for (String header : List.of("content-type", "accept", "authorization")) {
                if (request.header(header) != null) {
                    forward.header(header, request.header(header));
                }
            }
            try {
                HttpResponse<String> response = http.send(forward.build(), HttpResponse.BodyHandlers.ofString());
                return new Response(response.statusCode(), response.body());
            } catch (IOException e) {
                return Response.error(502, 50201, "proxy could not reach " + baseUrl + ": " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Response.error(502, 50201, "proxy interrupted");
            }
        };
    }

    public void respondWith(Function<Request, Response> handler) {
        this.handler = handler;
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Map<String, String> headers = new TreeMap<>();
            exchange.getRequestHeaders()
                    .forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values)));
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Request request = new Request(
                    exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(), headers, body);
            requests.add(request);
            Response response;
            try {
                response = handler.apply(request);
            } catch (RuntimeException e) {
                response = Response.error(500, 50001, "test handler failed: " + e);
            }
            byte[] bytes = response.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
            exchange.sendResponseHeaders(response.status(), bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
