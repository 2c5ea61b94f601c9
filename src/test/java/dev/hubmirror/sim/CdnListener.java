package dev.hubmirror.sim;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import org.jboss.logging.Logger;

/**
 * The CDN listener (its own port, like a different host): serves LFS content at signed URLs. It refuses any
 * request carrying an {@code Authorization} header (400, as S3 behind CloudFront does when a signed URL also
 * carries one), checks signature and expiry (403), supports GET/HEAD with a single Range, and answers errors with
 * S3-style XML bodies.
 */
final class CdnListener implements Handler<HttpServerRequest> {

    private static final Logger LOGGER = Logger.getLogger(CdnListener.class);

    private final HubSimulator sim;

    CdnListener(HubSimulator sim) {
        this.sim = sim;
    }

    @Override
    public void handle(HttpServerRequest request) {
        Exchange ex = sim.begin("cdn", request);
        ex.afterLatency(() -> answer(ex));
    }

    private void answer(Exchange ex) {
        try {
            serve(ex);
        } catch (RuntimeException e) {
            LOGGER.errorf(e, "cdn simulator failed path=%s", ex.rawPath);
            ex.text(500, "application/xml", xmlError("InternalError", "simulator failure: " + e));
        }
    }

    private void serve(Exchange ex) {
        if (ex.request.getHeader("Authorization") != null) {
            ex.text(400, "application/xml", xmlError("InvalidArgument", "Only one auth mechanism allowed; only the "
                    + "X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization "
                    + "header should be specified"));
            return;
        }
        if (!ex.isGetOrHead()) {
            ex.text(405, "application/xml", xmlError("MethodNotAllowed",
                    "The specified method is not allowed against this resource."));
            return;
        }
        SignedUrls.Verdict verdict = sim.signedUrls.check(ex.rawPath, ex.query);
        switch (verdict.problem()) {
            case UNSIGNED -> {
                ex.text(403, "application/xml", xmlError("MissingKey",
                        "Missing Key-Pair-Id query parameter or cookie value"));
                return;
            }
            case BAD_SIGNATURE -> {
                ex.text(403, "application/xml", xmlError("AccessDenied", "Access denied"));
                return;
            }
            case EXPIRED -> {
                ex.text(403, "application/xml", xmlError("AccessDenied", "Request has expired"));
                return;
            }
            case NO_SUCH_KEY -> {
                ex.text(404, "application/xml", xmlError("NoSuchKey", "The specified key does not exist."));
                return;
            }
            default -> {
                // served below
            }
        }
        SimFile file = verdict.file();
        Faults.StatusFault fault = sim.faults().takeStatus(file.path(), false);
        if (fault != null) {
            ex.text(fault.status(), "application/xml", xmlError(fault.status() >= 500 ? "InternalError" : "Error",
                    "Simulated error " + fault.status()));
            return;
        }
        ex.response.putHeader("Content-Type", "application/octet-stream");
        ex.response.putHeader("ETag", "\"" + SimContent.sha256Hex("xet:" + file.sha256()) + "\"");
        ex.response.putHeader("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT");
        if (verdict.contentDisposition() != null) {
            ex.response.putHeader("Content-Disposition", Exchange.headerSafe(verdict.contentDisposition()));
        }
        ContentWriter.serve(ex, file, sim.faults(), true);
    }

    /** An S3/CloudFront-style XML error body. */
    static String xmlError(String code, String message) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" + message
                + "</Message></Error>";
    }
}
