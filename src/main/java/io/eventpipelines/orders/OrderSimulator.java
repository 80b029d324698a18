package io.eventpipelines.orders;

import java.time.Instant;
import java.util.Random;
import org.apache.kafka.streams.KeyValue;

/**
 * Simulated shop traffic over one product catalogue: orders (a few products are far more popular than the
 * rest) and restocks of the same products. The same seed gives the same records.
 */
public final class OrderSimulator {
    public static final int DEFAULT_PRODUCTS = 50;
    private static final int USERS = 1_000;

    private final Random random;
    private final String runId;
    private final int products;
    private final double[] popularity;
    private long orderSequence;

    public OrderSimulator(long seed, int products) {
        if (products <= 0) {
            throw new IllegalArgumentException("products must be > 0");
        }
        this.random = new Random(seed);
        this.runId = Long.toString(seed, 36);
        this.products = products;
        // Zipf-like: product k is ordered about 1/k as often as the most popular one.
        this.popularity = new double[products];
        double total = 0;
        for (int k = 0; k < products; k++) {
            total += 1.0 / (k + 1);
            popularity[k] = total;
        }
        for (int k = 0; k < products; k++) {
            popularity[k] /= total;
        }
    }

    public static String productId(int index) {
        return String.format("product-%03d", index + 1);
    }

    private String popularProduct() {
        double roll = random.nextDouble();
        for (int k = 0; k < products; k++) {
            if (roll < popularity[k]) {
                return productId(k);
            }
        }
        return productId(products - 1);
    }

    /** The next order, keyed by orderId; quantities are mostly 1 to 3. */
    public KeyValue<String, Order> nextOrder(Instant now) {
        String orderId = "order-" + runId + "-" + (++orderSequence);
        String userId = String.format("user-%04d", 1 + random.nextInt(USERS));
        int quantity = random.nextDouble() < 0.85 ? 1 + random.nextInt(3) : 4 + random.nextInt(7);
        return KeyValue.pair(orderId, new Order(orderId, userId, popularProduct(), quantity, now));
    }

    /** The next restock, keyed by productId; popular products are restocked more often. */
    public KeyValue<String, Restock> nextRestock(Instant now) {
        String productId = popularProduct();
        int quantity = 10 * (1 + random.nextInt(10));
        return KeyValue.pair(productId, new Restock(productId, quantity, now));
    }
}
