package dev.hubmirror.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

    @Test
    void aFileOver50GbWithSmallPartsGrowsThemToStayWithinTenThousandParts() {
        // Given: 60 GB (decimal), served by the Hub with Range requests only, and 5 MiB parts (11,445 of them)
        long size = 60_000_000_000L;

        // When
        PartPlan plan = PartPlan.of(size, 5 * MIB, 16 * MIB, StoreLimits.S3);

        // Then: 6 MiB parts, 9,537 of them, the last one ending exactly at the file's end, offsets past 2^32
        assertThat(plan.partSize()).isEqualTo(6 * MIB);
        assertThat(plan.partCount()).isEqualTo(9_537);
        int last = plan.partCount() - 1;
        assertThat(plan.offset(last)).isEqualTo(9_536L * 6 * MIB).isGreaterThan(1L << 32);
        assertThat(plan.offset(last) + plan.length(last)).isEqualTo(size);
        assertThat(plan.length(last)).isPositive().isLessThanOrEqualTo(plan.partSize());
        long total = 0;
        for (int i = 0; i < plan.partCount(); i++) {
            total += plan.length(i);
        }
        assertThat(total).isEqualTo(size);
    }

    @Test
    void theLargestS3ObjectPlansWithoutOverflow() {
        // 5 TiB: parts grow to 525 MiB; 9,987 parts
        long size = 5L << 40;
        PartPlan plan = PartPlan.of(size, 16 * MIB, 16 * MIB, StoreLimits.S3);
        assertThat(plan.partSize()).isEqualTo(525 * MIB);
        assertThat(plan.partCount()).isEqualTo(9_987).isLessThanOrEqualTo(10_000);
        int last = plan.partCount() - 1;
        assertThat(plan.offset(last) + plan.length(last)).isEqualTo(size);
    }

    @Test
    void exactlyTenThousandPartsIsAllowedAndOneByteMoreGrowsThePart() {
        long part = 5 * MIB;
        assertThat(PartPlan.of(10_000 * part, part, 1, StoreLimits.S3).partCount()).isEqualTo(10_000);
        PartPlan grown = PartPlan.of(10_000 * part + 1, part, 1, StoreLimits.S3);
        assertThat(grown.partSize()).isEqualTo(6 * MIB);
        assertThat(grown.partCount()).isLessThanOrEqualTo(10_000);
    }

    @Test
    void aFileNeedingPartsOverTheStoreMaximumIsRefused() {
        // 60 TB would need parts of 6 GB, over S3's 5 GiB maximum part
        assertThatThrownBy(() -> PartPlan.of(60_000_000_000_000L, 16 * MIB, 16 * MIB, StoreLimits.S3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maximum");
    }

    @Test
    void aFileOfLongMaxValueBytesIsRefusedByTheStoreLimitsInsteadOfWrapping() {
        // Given the largest size a listing can claim, and S3's limits (at most 10,000 parts of 5 GiB)
        // When / Then
        assertThatThrownBy(() -> PartPlan.of(Long.MAX_VALUE, 8 * MIB, 16 * MIB, StoreLimits.S3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs parts over");
    }

    @Test
    void aStoreWithoutAPartSizeLimitPlansLongMaxValueBytesExactly() {
        // Given a store that would take parts of any size
        StoreLimits unbounded = new StoreLimits(1, Long.MAX_VALUE, 10_000);

        // When
        PartPlan plan = PartPlan.of(Long.MAX_VALUE, 8 * MIB, 16 * MIB, unbounded);

        // Then: offsets and lengths never go negative and the last part ends exactly at the end
        int last = plan.partCount() - 1;
        assertThat(plan.partCount()).isLessThanOrEqualTo(10_000);
        assertThat(plan.offset(last)).isPositive();
        assertThat(plan.length(last)).isPositive().isLessThanOrEqualTo(plan.partSize());
        assertThat(plan.offset(last) + plan.length(last)).isEqualTo(Long.MAX_VALUE);
    }
}
