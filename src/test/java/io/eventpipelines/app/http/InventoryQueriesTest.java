package io.eventpipelines.app.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventpipelines.app.http.InventoryQueries.Stock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The merge behind {@code GET /inventory}: partitions' and peers' sorted keys into one page. */
class InventoryQueriesTest {

    private static Iterator<Stock> source(String... products) {
        List<Stock> stocks = new ArrayList<>();
        for (String product : products) {
            stocks.add(new Stock(product, 1));
        }
        return stocks.iterator();
    }

    private static List<String> ids(List<Stock> stocks) {
        return stocks.stream().map(Stock::productId).toList();
    }

    @Test
    void mergesInTheStoresByteOrderAfterTheCursorListingEachKeyOnce() {
        // U+FFFD sorts after U+1F600 in UTF-16 (String.compareTo) but before it in UTF-8, the stores' order.
        List<Stock> page = InventoryQueries.merged(
                List.of(source("b", "d", "\uFFFD"), source("a", "c", "d", "\uD83D\uDE00"), source()), "a", 10);
        assertEquals(List.of("b", "c", "d", "\uFFFD", "\uD83D\uDE00"), ids(page), "'a' is the cursor, exclusive");
    }

    @Test
    void readsOnlyWhatThePageNeeds() {
        AtomicInteger pulled = new AtomicInteger();
        List<Iterator<Stock>> sources = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            int partition = s;
            // Endless sources, as a large store would be: the merge must stop after the page.
            sources.add(new Iterator<>() {
                private int next;

                @Override
                public boolean hasNext() {
                    return true;
                }

                @Override
                public Stock next() {
                    pulled.incrementAndGet();
                    return new Stock(String.format("p%08d-%d", next++, partition), 1);
                }
            });
        }
        List<Stock> page = InventoryQueries.merged(sources, null, 101);
        assertEquals(101, page.size());
        assertEquals("p00000000-0", page.get(0).productId());
        assertEquals("p00000033-1", page.get(100).productId());
        assertTrue(pulled.get() <= 101 + 3, pulled + " keys read for a page of 101");
    }
}
