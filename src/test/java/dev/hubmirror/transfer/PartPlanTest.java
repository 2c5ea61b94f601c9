package dev.hubmirror.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hubmirror.store.StoreLimits;
import org.junit.jupiter.api.Test;

class PartPlanTest {

    private static final long MIB = 1024 * 1024;

    @Test
    void smallFilesAreOnePut() {
        PartPlan plan = PartPlan.of(16 * MIB, 8 * MIB, 16 * MIB, StoreLimits.S3);
        assertThat(plan.singlePut()).isTrue();
    }

    @Test
    void exactlyOnePartPlusOneByteMakesTwoParts() {
        PartPlan plan = PartPlan.of(8 * MIB + 1, 8 * MIB, 1, StoreLimits.S3);
        assertThat(plan.partCount()).isEqualTo(2);
        assertThat(plan.length(0)).isEqualTo(8 * MIB);
        assertThat(plan.length(1)).isEqualTo(1);
        assertThat(plan.offset(1)).isEqualTo(8 * MIB);
    }

    @Test
    void exactlyOnePartStaysOnePart() {
        PartPlan plan = PartPlan.of(8 * MIB, 8 * MIB, 1, StoreLimits.S3);
        assertThat(plan.partCount()).isEqualTo(1);
        assertThat(plan.length(0)).isEqualTo(8 * MIB);
    }

    @Test
    void growsThePartSizeSoNoFileNeedsMoreThanTenThousandParts() {
        // Given a 200 GB file and 8 MiB parts (25,000 parts)
        long size = 200_000_000_000L;

        // When
        PartPlan plan = PartPlan.of(size, 8 * MIB, 16 * MIB, StoreLimits.S3);

        // Then
        assertThat(plan.partCount()).isLessThanOrEqualTo(10_000);
        assertThat(plan.partSize() % MIB).isZero();
        assertThat(plan.offset(plan.partCount() - 1) + plan.length(plan.partCount() - 1)).isEqualTo(size);
    }

    @Test
    void neverGoesBelowTheStoreMinimumPartSize() {
        PartPlan plan = PartPlan.of(20 * MIB, MIB, 1, StoreLimits.S3);
        assertThat(plan.partSize()).isEqualTo(5 * MIB);
    }
}
