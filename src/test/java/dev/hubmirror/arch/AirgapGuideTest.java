package dev.hubmirror.arch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What of docs/airgap-guide.md can be checked without a cloud: its IAM policies are valid JSON granting hub-mirror
 * what it needs and the workers only reads. (Its hub-mirror calls are those docs/try-it-offline.md runs in the build.)
 */
class AirgapGuideTest {

    private static final Pattern POLICY = Pattern.compile("cat > (\\S+)\\.json <<JSON\\n(.*?)\\nJSON", Pattern.DOTALL);

    @Test
    void theWriterPolicyGrantsWhatAMirrorDoesAndTheWorkersPolicyOnlyReads() throws IOException {
        // Given
        String guide = Files.readString(Path.of("docs/airgap-guide.md"));
        List<JsonNode> policies = new ArrayList<>();
        List<String> names = new ArrayList<>();
        Matcher m = POLICY.matcher(guide);
        while (m.find()) {
            names.add(m.group(1));
            policies.add(new ObjectMapper().readTree(m.group(2).replace("$BUCKET", "models-prod")
                    .replace("$PREFIX", "weights")));
        }

        // When
        List<String> writer = actions(policies.get(names.indexOf("hub-mirror-writer")));
        List<String> reader = actions(policies.get(names.indexOf("workers-reader")));

        // Then
        assertThat(writer).containsExactlyInAnyOrder("s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:GetObject",
                "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload");
        assertThat(reader).containsExactlyInAnyOrder("s3:ListBucket", "s3:GetObject");
        assertThat(guide).contains("HF_HUB_OFFLINE=1", "workers.common", "clusterCache", "MIRROR_KAFKA_ENABLED=false",
                "deep=true", "/v1/verify?repo=", "\"allow_patterns\"");
    }

    private static List<String> actions(JsonNode policy) {
        List<String> actions = new ArrayList<>();
        policy.path("Statement").forEach(s -> s.path("Action").forEach(a -> actions.add(a.asText())));
        return actions;
    }
}
