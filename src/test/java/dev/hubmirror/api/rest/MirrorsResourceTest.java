package dev.hubmirror.api.rest;

import static dev.hubmirror.testing.ApiKeys.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@QuarkusTest
@TestProfile(ScriptedMirrorProfile.class)
class MirrorsResourceTest extends JobsApiTestSupport {

    @Test
    void answers202WithOneJobPerRepoRevisionInRequestOrder() {
        // Given
        String body = """
                {"models": ["org/alpha", "org/beta@refs/pr/1"],
                 "repos": [{"id": "org/ds", "type": "dataset", "revision": "v1.0",
                            "include": ["*.parquet"], "exclude": []}]}
                """;

        // When / Then
        post(body).statusCode(202)
                .contentType(ContentType.JSON)
                .body("jobs", hasSize(3))
                .body("jobs[0].repo", equalTo("org/alpha"))
                .body("jobs[0].type", equalTo("model"))
                .body("jobs[0].revision", equalTo("main"))
                .body("jobs[0].status", equalTo("RUNNING"))
                .body("jobs[1].repo", equalTo("org/beta"))
                .body("jobs[1].revision", equalTo("refs/pr/1"))
                .body("jobs[1].status", equalTo("QUEUED"))
                .body("jobs[2].repo", equalTo("org/ds"))
                .body("jobs[2].type", equalTo("dataset"))
                .body("jobs[2].revision", equalTo("v1.0"))
                .body("jobs[2].href", containsString("/v1/jobs/"));
        assertThat(mirror.run("org/alpha").spec().ref().revision()).isEqualTo("main");
    }

    @Test
    void passesPatternsToTheMirrorAndNeverATokenFromTheBody() {
        // Given
        String body = """
                {"repos": [{"id": "org/ds", "type": "datasets", "include": ["data/*.parquet"],
                            "exclude": ["*.md"]}],
                 "token": "hf_should_be_ignored"}
                """;

        // When
        post(body).statusCode(202);

        // Then
        var spec = mirror.run("org/ds").spec();
        assertThat(spec.include()).containsExactly("data/*.parquet");
        assertThat(spec.exclude()).containsExactly("*.md");
    }

    @Test
    void acceptsHuggingfaceHubPatternNamesAsAliasesOfIncludeAndExclude() {
        // Given
        String body = """
                {"repos": [{"id": "org/aliased", "allow_patterns": ["*.json", "*.safetensors"],
                            "ignore_patterns": ["onnx/"]}]}
                """;

        // When
        post(body).statusCode(202);

        // Then
        var spec = mirror.run("org/aliased").spec();
        assertThat(spec.include()).containsExactly("*.json", "*.safetensors");
        assertThat(spec.exclude()).containsExactly("onnx/");
    }

    @Test
    void refusesAPatternFieldGivenUnderBothNamesAndAnEmptyAliasedPattern() {
        int before = jobCount();
        post("{\"repos\": [{\"id\": \"org/x\", \"include\": [\"*.json\"], \"allow_patterns\": [\"*.md\"]}]}")
                .statusCode(400)
                .body("error.reason", equalTo("INVALID_REQUEST"))
                .body("error.message", containsString("both 'include' and 'allow_patterns' are given"));
        post("{\"repos\": [{\"id\": \"org/x\", \"ignore_patterns\": [\"\"]}]}")
                .statusCode(400)
                .body("error.message", containsString("ignore_patterns[0] is empty"));
        assertThat(jobCount()).isEqualTo(before);
    }

    @Test
    void aTargetOrTokenNameThatIsNotConfiguredIsRefusedAndNothingIsSubmitted() {
        int before = jobCount();
        post("{\"models\": [\"org/alpha\"], \"target\": \"prod-weights\"}")
                .statusCode(400)
                .body("error.reason", equalTo("INVALID_REQUEST"))
                .body("error.message", containsString("unknown target 'prod-weights'"))
                .body("error.message", containsString("mirror.targets.<name>.url"));
        post("{\"models\": [\"org/alpha\"], \"tokenName\": \"team-search\"}")
                .statusCode(400)
                .body("error.message", containsString("unknown token name 'team-search'"));
        assertThat(jobCount()).isEqualTo(before);
        post("{\"models\": [\"org/alpha\"], \"target\": \" \", \"tokenName\": \"\"}").statusCode(202);
        assertThat(jobCount()).isEqualTo(before + 1);
    }

    @Test
    void answersTheActiveJobForAnIdenticalSubmission() {
        // Given
        String first = submit("{\"models\": [\"org/alpha\"]}", 0);

        // When
        String again = submit("{\"repos\": [{\"id\": \"org/alpha\", \"type\": \"model\", \"revision\": \"main\"}]}", 0);

        // Then
        assertThat(again).isEqualTo(first);
        assertThat(mirror.runs()).hasSize(1);
    }

    @Test
    void refusesASubmissionThatDoesNotFitTheQueueAndEnqueuesNothing() {
        // Given: one running, the queue (capacity 2) full
        post("{\"models\": [\"org/a\", \"org/b\", \"org/c\"]}").statusCode(202);
        int before = jobCount();

        // When / Then
        post("{\"models\": [\"org/d\"]}").statusCode(429)
                .body("error.reason", equalTo("QUEUE_FULL"))
                .body("error.message", containsString("nothing was enqueued"));
        assertThat(jobCount()).isEqualTo(before);
    }

    static Stream<Arguments> invalidRequests() {
        return Stream.of(
                Arguments.of("{\"models\": [\"org/bad name\"]}", "models[0] 'org/bad name'"),
                Arguments.of("{\"models\": [\"a/b/c\"]}", "more than one '/'"),
                Arguments.of("{\"models\": [\"org/ok@bad..rev\"]}", "revision 'bad..rev' is invalid"),
                Arguments.of("{\"models\": [\"org/ok@\"]}", "empty revision"),
                Arguments.of("{\"models\": [\"../../etc/passwd\"]}", "more than one '/'"),
                Arguments.of("{\"models\": [\"org/..\"]}", "repo id 'org/..' is invalid"),
                Arguments.of("{\"repos\": [{\"id\": \"org/ok\", \"revision\": \"../../etc\"}]}",
                        "revision '../../etc' is invalid"),
                Arguments.of("{\"repos\": [{\"id\": \"org/ok\", \"revision\": \"main\\u0000x\"}]}",
                        "revision 'main?x' is invalid"),
                Arguments.of("{\"repos\": [{\"id\": \"org/ok\", \"revision\": \"/abs\"}]}",
                        "revision '/abs' is invalid"),
                Arguments.of("{\"repos\": [{\"id\": \"org/ds\", \"type\": \"notebook\"}]}",
                        "repos[0] (id 'org/ds'): unknown repo type 'notebook'"),
                Arguments.of("{\"repos\": [{\"id\": \"org/ds\", \"include\": [\"\"]}]}", "include[0] is empty"),
                Arguments.of("{\"repos\": [{\"id\": \"org/ds\", \"exclude\": [\"a\\u0000b\"]}]}", "NUL"),
                Arguments.of("{\"repos\": [{\"type\": \"dataset\"}]}", "repo id is empty"),
                Arguments.of("{\"models\": []}", "nothing to mirror"),
                Arguments.of("{}", "nothing to mirror"),
                Arguments.of("{\"models\": [\"o/a\", \"o/b\", \"o/c\"], \"repos\": [{\"id\": \"o/d\"}, "
                        + "{\"id\": \"o/e\"}]}",
                        "too many repos: 5 in one request, at most 4"),
                Arguments.of("{\"models\": [\"org/ok\", \"org/bad name\"]}", "models[1]"),
                Arguments.of("{\"models\": [\"org/a\"", "malformed JSON request body: Unexpected end-of-input"),
                Arguments.of("not json", "malformed JSON"),
                Arguments.of("{\"models\": \"org/a\"}", "'models' must be an array"),
                Arguments.of("{\"repos\": [{\"id\": \"org/ds\", \"include\": \"*.json\"}]}",
                        "'repos[0].include' must be an array"),
                // JSON types are not coerced: a number or a boolean is not a string
                Arguments.of("{\"models\": [1, 2]}", "'models[0]' must be a string"),
                Arguments.of("{\"repos\": [{\"id\": \"org/ok\", \"revision\": true}]}",
                        "'repos[0].revision' must be a string"),
                Arguments.of("{\"repos\": [{\"id\": \"org/ok\", \"include\": [\"*.json\", 7.5]}]}",
                        "'repos[0].include[1]' must be a string"),
                // revisions follow the ref key's rules at submit: no '.' component, no hidden or .lock component
                Arguments.of("{\"models\": [\"org/ok@a/./b\"]}", "revision 'a/./b' is invalid"),
                Arguments.of("{\"repos\": [{\"id\": \"org/ok\", \"revision\": \"v1/.hidden\"}]}",
                        "revision 'v1/.hidden' is invalid"),
                Arguments.of("{\"repos\": [{\"id\": \"org/ok\", \"revision\": \"a.lock/b\"}]}",
                        "revision 'a.lock/b' is invalid"),
                // patterns: how many per request and how long, each limit named with its key
                Arguments.of("{\"repos\": [{\"id\": \"org/ds\", \"include\": [\"" + "x".repeat(1025) + "\"]}]}",
                        "1025 characters long, at most 1024 (mirror.jobs.max-pattern-length)"),
                Arguments.of("{\"repos\": [{\"id\": \"org/ds\", \"include\": [" + patterns(600) + "]}, "
                        + "{\"id\": \"org/dt\", \"exclude\": [" + patterns(401) + "]}]}",
                        "too many patterns: 1001 include and exclude patterns in one request, at most 1000 "
                                + "(mirror.jobs.max-patterns-per-request)"),
                Arguments.of("", "request body is missing"));
    }

    private static String patterns(int count) {
        return IntStream.range(0, count).mapToObj(i -> "\"p" + i + "\"").collect(Collectors.joining(","));
    }

    @ParameterizedTest
    @MethodSource("invalidRequests")
    void answers400NamingTheProblemAndCreatesNoJob(String body, String expectedInMessage) {
        // Given
        int before = jobCount();

        // When / Then
        post(body).statusCode(400)
                .contentType(ContentType.JSON)
                .body("error.reason", equalTo("INVALID_REQUEST"))
                .body("error.message", containsString(expectedInMessage));
        assertThat(jobCount()).isEqualTo(before);
        assertThat(mirror.runs()).isEmpty();
    }

    @Test
    void echoesOverlongInputOnlyBoundedAndPrintable() {
        // Given
        String longRevision = "a".repeat(5000) + "\\n";
        String longId = "org/" + "b".repeat(5000);

        // When
        String message = post("{\"repos\": [{\"id\": \"org/ok\", \"revision\": \"" + longRevision + "\"}, {\"id\": \""
                + longId + "\"}]}").statusCode(400).extract().path("error.message");

        // Then
        assertThat(message).hasSizeLessThan(1000).doesNotContainPattern("\\p{Cntrl}").contains("...");
    }

    static Stream<Arguments> errorsOutsideTheResources() {
        return Stream.of(
                Arguments.of("GET", "/v1/mirrors", "application/json", null, 405, "METHOD_NOT_ALLOWED",
                        "GET is not allowed on '/v1/mirrors': use POST"),
                Arguments.of("PUT", "/v1/jobs/some-id", "application/json", "{}", 405, "METHOD_NOT_ALLOWED",
                        "PUT is not allowed on '/v1/jobs/some-id': use DELETE, GET"),
                Arguments.of("GET", "/v1/jobs", "text/plain", null, 406, "NOT_ACCEPTABLE",
                        "'/v1/jobs' cannot answer in 'text/plain'"),
                Arguments.of("POST", "/v1/mirrors", "application/json", "text:models", 415, "UNSUPPORTED_MEDIA_TYPE",
                        "'/v1/mirrors' reads application/json, not 'text/plain"),
                Arguments.of("GET", "/v1/nothing-here", "application/json", null, 404, "NOT_FOUND",
                        "no endpoint at '/v1/nothing-here'"),
                Arguments.of("POST", "/v1/mirrors", "application/json", "huge", 413, "REQUEST_TOO_LARGE",
                        "quarkus.http.limits.max-body-size"));
    }

    @ParameterizedTest
    @MethodSource("errorsOutsideTheResources")
    void everyErrorAnswersTheDocumentedJsonBody(String method, String path, String accept, String body, int status,
            String reason, String expectedInMessage) {
        // Given
        var request = given().accept(accept);
        if ("text:models".equals(body)) {
            request = request.contentType(ContentType.TEXT).body("models: org/a");
        } else if ("huge".equals(body)) {
            // 3 MiB of valid JSON, above the 2M body limit
            request = request.contentType(ContentType.JSON).body("{\"models\": [\"org/a\"], \"pad\": \""
                    + "x".repeat(3 << 20) + "\"}");
        } else if (body != null) {
            request = request.contentType(ContentType.JSON).body(body);
        }

        // When
        var answer = request.when().request(method, path).then();

        // Then
        answer.statusCode(status)
                .contentType(ContentType.JSON)
                .body("error.reason", equalTo(reason))
                .body("error.message", containsString(expectedInMessage));
        if (status == 405) {
            answer.header("Allow", expectedInMessage.substring(expectedInMessage.indexOf("use ") + 4));
        }
        assertThat(mirror.runs()).isEmpty();
    }

    @Test
    void publishesTheEndpointsInOpenApi() {
        given().accept("application/json").when().get("/q/openapi").then().statusCode(200)
                .body(containsString("/v1/mirrors"))
                .body(containsString("/v1/jobs/{id}"));
    }
}
