package dev.hubmirror.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Generated content is deterministic, randomly accessible and hashed like git and git-lfs do. */
class SimContentTest {

    @Test
    void anyRangeEqualsTheBytesAtThoseOffsets() {
        // Given
        SimContent c = SimContent.generated(123, 10_000);

        // When
        byte[] slice = new byte[37];
        c.copyRange(4_093, slice, 0, 37);

        // Then
        for (int i = 0; i < 37; i++) {
            assertThat(slice[i]).isEqualTo(c.byteAt(4_093 + i));
        }
        byte[] all = c.bytes();
        for (int off : new int[] {0, 1, 7, 8, 9, 4095, 9_999}) {
            assertThat(all[off]).isEqualTo(c.byteAt(off));
        }
    }

    @Test
    void theSameSeedGivesTheSameBytesAndAnotherSeedOthers() {
        assertThat(SimContent.generated(1, 64).bytes()).isEqualTo(SimContent.generated(1, 64).bytes());
        assertThat(SimContent.generated(1, 64).bytes()).isNotEqualTo(SimContent.generated(2, 64).bytes());
        assertThat(SimContent.generated(1, 1000).sha256()).isEqualTo(SimContent.generated(1, 1000).sha256());
    }

    @Test
    void hashesLikeGitAndGitLfs() {
        // Given
        SimContent hello = SimContent.text("hello\n");
        SimFile lfs = new SimFile("a.bin", 6, true, hello);

        // Then: `printf 'hello\n' | git hash-object --stdin`
        assertThat(hello.gitBlobSha1()).isEqualTo("ce013625030ba8dba906f756967f9e9ca394464a");
        assertThat(SimContent.text("").gitBlobSha1()).isEqualTo("e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
        assertThat(hello.sha256()).isEqualTo("5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
        assertThat(lfs.pointer()).isEqualTo("version https://git-lfs.github.com/spec/v1\noid sha256:"
                + hello.sha256() + "\nsize 6\n");
        assertThat(lfs.pointerSize()).isEqualTo(lfs.pointer().getBytes(StandardCharsets.UTF_8).length);
        assertThat(lfs.gitSha1()).isEqualTo(SimContent.gitBlobSha1(lfs.pointer().getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void generatedBytesHashLikeTheirMaterializedCopy() {
        // Given
        SimContent c = SimContent.generated(9, 3 * 1024 * 1024 + 5);

        // Then
        assertThat(c.sha256()).isEqualTo(SimHttp.sha256(c.bytes()));
        assertThat(c.gitBlobSha1()).isEqualTo(SimContent.gitBlobSha1(c.bytes()));
    }

    @Test
    void readingPastTheEndKeepsGenerating() {
        SimContent c = SimContent.generated(5, 10);
        byte[] more = new byte[20];
        c.copyRange(0, more, 0, 20);
        assertThat(more[15]).isEqualTo(c.byteAt(15));
    }

    @Test
    void refusesToMaterializeHugeContent() {
        assertThatThrownBy(() -> SimContent.generated(1, 1L << 40).bytes()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("copyRange");
    }

    @Test
    void aCommitRefusesAPathThatIsBothFileAndFolder() {
        try (HubSimulator sim = HubSimulator.start()) {
            SimCommit c = sim.model("org/name").commit().textFile("a/b", "x");
            assertThatThrownBy(() -> c.textFile("a", "y")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("both a file and a folder");
            assertThatThrownBy(() -> c.textFile("/abs", "y")).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
