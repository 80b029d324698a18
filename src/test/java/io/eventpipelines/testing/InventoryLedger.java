package io.eventpipelines.testing;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The {@code inventory-updates} topic read back as a downstream user sees it, and checked against the
 * inventory rules without the app's code: a product's updates, in the order the app wrote them, must form
 * one unbroken history from stock 0. A store that kept the effect of an aborted transaction, or lost a
 * committed one, breaks that history even when every order got exactly one update.
 */
public final class InventoryLedger {
    /** One decoded {@code InventoryUpdate}, with where it was read. */
    public record Update(
            String productId,
            String orderId,
            String status,
            int quantity,
            int stockAfter,
            String reason,
            long timestamp,
            int partition,
            long offset) {
        /** Orders are told apart by orderId, restocks (which have none) by product and timestamp. */
        public String identity() {
            return orderId != null ? "order " + orderId : "restock " + productId + "@" + timestamp;
        }
    }

    private final List<Update> updates;

    private InventoryLedger(List<Update> updates) {
        this.updates = updates;
    }

    public static InventoryLedger of(List<ConsumerRecord<byte[], byte[]>> records, RegistryDecoder decoder) {
        List<Update> updates = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            GenericRecord value = decoder.decode(record.value());
            updates.add(new Update(
                    str(value, "productId"),
                    str(value, "orderId"),
                    str(value, "status"),
                    (Integer) value.get("quantity"),
                    (Integer) value.get("stockAfter"),
                    str(value, "reason"),
                    (Long) value.get("timestamp"),
                    record.partition(),
                    record.offset()));
        }
        updates.sort(Comparator.comparingInt(Update::partition).thenComparingLong(Update::offset));
        return new InventoryLedger(List.copyOf(updates));
    }

    public List<Update> updates() {
        return updates;
    }

    /** How many updates each identity got: exactly-once means every expected identity maps to 1. */
    public Map<String, Long> countsByIdentity() {
        return updates.stream().collect(Collectors.groupingBy(Update::identity, TreeMap::new, Collectors.counting()));
    }

    public long count(String status, String reason) {
        return updates.stream()
                .filter(u -> u.status().equals(status) && (reason == null || reason.equals(u.reason())))
                .count();
    }

    /** The last stockAfter of every product, as written. */
    public Map<String, Integer> finalStock() {
        Map<String, Integer> last = new TreeMap<>();
        updates.forEach(u -> last.put(u.productId(), u.stockAfter()));
        return last;
    }

    /** Restocked minus reserved per product: what the stock must be whatever the order of events. */
    public Map<String, Integer> recomputedStock() {
        Map<String, Integer> stock = new TreeMap<>();
        for (Update u : updates) {
            int delta = switch (u.status()) {
                case "RESTOCKED" -> u.quantity();
                case "RESERVED" -> -u.quantity();
                default -> 0;
            };
            stock.merge(u.productId(), delta, Integer::sum);
        }
        return stock;
    }

    /** Every place where a product's history breaks the rules; empty when it is consistent. */
    public List<String> violations() {
        List<String> problems = new ArrayList<>();
        Map<String, List<Update>> byProduct = new LinkedHashMap<>();
        updates.forEach(u ->
                byProduct.computeIfAbsent(u.productId(), p -> new ArrayList<>()).add(u));
        byProduct.forEach((product, history) -> {
            // Keyed by productId, so one partition holds a product's whole history in processing order.
            if (history.stream().map(Update::partition).distinct().count() > 1) {
                problems.add(product + ": updates on several partitions");
                return;
            }
            int stock = 0;
            for (Update u : history) {
                int expected;
                String expectedStatus;
                String expectedReason = null;
                if (u.orderId() == null) {
                    expectedStatus = "RESTOCKED";
                    expected = stock + u.quantity();
                } else if (u.quantity() <= 0) {
                    expectedStatus = "REJECTED";
                    expectedReason = "INVALID_QUANTITY";
                    expected = stock;
                } else if (u.quantity() > stock) {
                    expectedStatus = "REJECTED";
                    expectedReason = "OUT_OF_STOCK";
                    expected = stock;
                } else {
                    expectedStatus = "RESERVED";
                    expected = stock - u.quantity();
                }
                if (!u.status().equals(expectedStatus)
                        || u.stockAfter() != expected
                        || !Objects.equals(u.reason(), expectedReason)) {
                    problems.add(product + " at offset " + u.offset() + ": " + u.identity() + " qty " + u.quantity()
                            + " with stock " + stock + " -> " + u.status() + "/" + u.reason() + " stockAfter "
                            + u.stockAfter() + ", expected " + expectedStatus + "/" + expectedReason + " stockAfter "
                            + expected);
                    if (problems.size() > 20) {
                        return;
                    }
                }
                stock = u.stockAfter();
            }
        });
        return problems;
    }

    /** The identities that did not get exactly one update: missing ones (0), duplicated, or never sent. */
    public static Map<String, Long> notExactlyOnce(Map<String, Long> counts, Collection<String> expected) {
        Map<String, Long> wrong = new TreeMap<>();
        for (String id : expected) {
            long n = counts.getOrDefault(id, 0L);
            if (n != 1) {
                wrong.put(id, n);
            }
        }
        Map<String, Long> unexpected = new HashMap<>(counts);
        expected.forEach(unexpected::remove);
        wrong.putAll(unexpected);
        return wrong;
    }

    private static String str(GenericRecord record, String field) {
        Object value = record.get(field);
        return value == null ? null : value.toString();
    }
}
