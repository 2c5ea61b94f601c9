package dev.hubmirror.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PromQlTest {

    @Test
    void findsMetricNamesButNotFunctionsLabelsKeywordsOrVariables() {
        // Given
        String expr = "histogram_quantile(0.95, sum by (le, upload) (rate(a_bucket{namespace=~\"$namespace\"}"
                + "[$__rate_interval]))) / on (pod) group_left b_total > 1e3 and c unless max(d{x=\"and e\"}) offset 5m";

        // When / Then
        assertThat(PromQl.metricNames(expr)).containsExactly("a_bucket", "b_total", "c", "d");
    }

    @Test
    void groupingAfterTheAggregatedExpressionIsNotAName() {
        assertThat(PromQl.metricNames("sum(rate(x_total[5m])) by (reason) > 0"))
                .containsExactly("x_total");
    }
}
