package dev.hubmirror.api.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubmirror.api.rest.RepoRequest;
import dev.hubmirror.api.rest.SubmissionLimits;
import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.hub.RepoType;
import dev.hubmirror.job.JobOrder;
import dev.hubmirror.job.JobRunners;
import dev.hubmirror.job.SnapshotMirrors;
import dev.hubmirror.job.SnapshotRunner;
import dev.hubmirror.job.SnapshotWork;
import dev.hubmirror.transfer.SnapshotMirror;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MirrorRequestMessageTest {

    private static final SubmissionLimits LIMITS = new SubmissionLimits(10, 1000, 1024);
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final JobRunners MIRRORS = JobRunners.of(new SnapshotRunner(new SnapshotMirrors() {
        @Override
        public SnapshotMirror mirror(String target, String tokenName) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Set<String> targets() {
            return Set.of("archive");
        }

        @Override
        public Set<String> tokens() {
            return Set.of("team-a");
        }
    }));

    @Test
    void aRequestBecomesOneOrderPerRepoWithIdsDerivedFromTheRequestId() throws Exception {
        // Given
        MirrorRequestMessage request = new ObjectMapper().readValue("""
                {"requestId": "rollout-42", "requester": "team-search",
                 "models": ["BAAI/bge-m3", "intfloat/e5-base-v2@v1.0"],
                 "repos": [{"id": "org/ds", "type": "dataset", "include": ["*.parquet"]}],
                 "target": "archive", "tokenName": "team-a", "token": "hf_never_read"}
                """, MirrorRequestMessage.class);

        // When
        List<JobOrder> orders = request.toOrders(LIMITS, MIRRORS, NOW);
        List<JobOrder> again = request.toOrders(LIMITS, MIRRORS, NOW);

        // Then
        assertThat(orders).extracting(o -> o.work().describe())
                .containsExactly("model:BAAI/bge-m3@main", "model:intfloat/e5-base-v2@v1.0", "dataset:org/ds@main");
        assertThat(orders).extracting(JobOrder::id).doesNotHaveDuplicates()
                .containsExactlyElementsOf(again.stream().map(JobOrder::id).toList());
        assertThat(orders).allSatisfy(o -> {
            assertThat(o.origin().requestId()).isEqualTo("rollout-42");
            assertThat(o.origin().requester()).isEqualTo("team-search");
            assertThat(o.target()).isEqualTo("archive");
            assertThat(o.tokenName()).isEqualTo("team-a");
            assertThat(o.createdAt()).isEqualTo(NOW);
        });
        assertThat(((SnapshotWork) orders.get(2).work()).ref().type()).isEqualTo(RepoType.DATASET);
        assertThat(((SnapshotWork) orders.get(2).work()).include()).containsExactly("*.parquet");
    }

    @Test
    void aRequestWithoutARequestIdIsInvalid() {
        assertThatThrownBy(() -> message(null, List.of("org/a"), null, null).toOrders(LIMITS, MIRRORS, NOW))
                .isInstanceOfSatisfying(MirrorException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.INVALID_REQUEST);
                    assertThat(e.getMessage()).contains("requestId");
                });
        assertThatThrownBy(() -> message("bad\nid", List.of("org/a"), null, null).toOrders(LIMITS, MIRRORS, NOW))
                .isInstanceOf(MirrorException.class);
    }

    @Test
    void aTargetOrTokenThatIsNotConfiguredIsInvalidAndNamedInTheMessage() {
        assertThatThrownBy(() -> message("r1", List.of("org/a"), "s3://bucket/raw-url", null).toOrders(LIMITS, MIRRORS, NOW))
                .isInstanceOfSatisfying(MirrorException.class, e -> assertThat(e.getMessage())
                        .contains("request r1", "unknown target", "[archive]"));
        assertThatThrownBy(() -> message("r2", List.of("org/a"), null, "hf_abc").toOrders(LIMITS, MIRRORS, NOW))
                .isInstanceOfSatisfying(MirrorException.class, e -> assertThat(e.getMessage())
                        .contains("unknown token name", "[team-a]"));
    }

    @Test
    void anUnknownTargetOrTokenNameIsEchoedQuotedBoundedAndPrintable() {
        String hostile = "x".repeat(10_000) + "\n\u0000";
        assertThatThrownBy(() -> message("r6", List.of("org/a"), hostile, null).toOrders(LIMITS, MIRRORS, NOW))
                .isInstanceOfSatisfying(MirrorException.class, e -> assertThat(e.getMessage())
                        .hasSizeLessThan(1000).doesNotContainPattern("\\p{Cntrl}").contains("unknown target 'xxx"));
        assertThatThrownBy(() -> message("r7", List.of("org/a"), null, hostile).toOrders(LIMITS, MIRRORS, NOW))
                .isInstanceOfSatisfying(MirrorException.class, e -> assertThat(e.getMessage())
                        .hasSizeLessThan(1000).doesNotContainPattern("\\p{Cntrl}").contains("unknown token name 'xxx"));
    }

    @Test
    void invalidReposAreNamedAndNothingIsOrdered() {
        assertThatThrownBy(() -> message("r3", List.of("org/ok", "org//bad"), null, null).toOrders(LIMITS, MIRRORS, NOW))
                .isInstanceOfSatisfying(MirrorException.class, e -> assertThat(e.getMessage())
                        .contains("request r3", "models[1]", "org//bad"));
        assertThatThrownBy(() -> message("r4", List.of(), null, null).toOrders(LIMITS, MIRRORS, NOW))
                .isInstanceOfSatisfying(MirrorException.class, e -> assertThat(e.getMessage())
                        .contains("nothing to mirror"));
        assertThatThrownBy(() -> message("r5", List.of("a/a", "b/b", "c/c"), null, null).toOrders(
                new SubmissionLimits(2, 1000, 1024), MIRRORS, NOW))
                .isInstanceOfSatisfying(MirrorException.class, e -> assertThat(e.getMessage())
                        .contains("too many repos"));
    }

    private static MirrorRequestMessage message(String requestId, List<String> models, String target,
            String tokenName) {
        return new MirrorRequestMessage(requestId, "team", models, List.<RepoRequest>of(), target, tokenName);
    }
}
