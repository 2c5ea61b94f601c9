package dev.hubmirror.store.gcs;

import static dev.hubmirror.log.LogKeys.ERROR;
import static dev.hubmirror.log.LogKeys.KEY;
import static dev.hubmirror.log.LogKeys.STATUS;
import static dev.hubmirror.log.LogKeys.STORE;

import com.google.api.client.http.EmptyContent;
import com.google.api.client.http.GenericUrl;
import com.google.api.client.http.HttpRequest;
import com.google.api.client.http.HttpRequestFactory;
import com.google.api.client.http.HttpRequestInitializer;
import com.google.api.client.http.HttpResponse;
import com.google.cloud.ServiceOptions;
import com.google.cloud.http.HttpTransportOptions;
import java.io.IOException;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Learns the URI of the resumable-upload session that {@code Storage.writer(...)} opens, and cancels a session by
 * that URI ({@code DELETE}, answered with 499). The client keeps the session URI to itself, so this hooks into the
 * client's public transport extension point: a response interceptor on every request sees the {@code Location} of the
 * {@code POST ...?uploadType=resumable} that opens a session. The client opens the session synchronously on the
 * calling thread inside {@code writer(...)}, so {@link #open} records it per thread.
 *
 * <p>A session URI lets anyone holding it write to the upload: it is kept in memory only and never logged.
 */
final class ResumableSessions {

    private static final Logger LOGGER = Logger.getLogger(ResumableSessions.class);
    private static final int CANCELLED = 499;

    private final ThreadLocal<String[]> opened = new ThreadLocal<>();
    private volatile HttpRequestFactory cancelRequests;

    /** Transport options for the client that report session URIs opened on the current thread to this instance. */
    HttpTransportOptions transportOptions(HttpTransportOptions base) {
        return new TrackingTransportOptions(base.toBuilder(), this);
    }

    /** Binds the options the client was built with, so that {@link #cancel} uses the same transport and credentials. */
    void bind(ServiceOptions<?, ?> options) {
        HttpTransportOptions transport = (HttpTransportOptions) options.getTransportOptions();
        HttpRequestInitializer initializer = transport instanceof TrackingTransportOptions tracking
                ? tracking.plainInitializer(options)
                : transport.getHttpRequestInitializer(options);
        cancelRequests = transport.getHttpTransportFactory().create().createRequestFactory(initializer);
    }

    /**
     * Runs {@code open}, which opens one session on this thread, and returns its result with the session URI, if the
     * client's requests went through this instance's transport options.
     */
    <T> Opened<T> open(IoSupplier<T> open) throws IOException {
        String[] slot = new String[1];
        opened.set(slot);
        try {
            T value = open.get();
            return new Opened<>(value, Optional.ofNullable(slot[0]));
        } finally {
            opened.remove();
        }
    }

    /**
     * Cancels a session so that it can never be finalized. Best effort: a session that is not cancelled is never
     * finalized either (only the final chunk does that) and GCS discards it after a week.
     */
    void cancel(String sessionUri, String key) {
        HttpRequestFactory requests = cancelRequests;
        if (requests == null) {
            return;
        }
        try {
            HttpRequest request = requests.buildDeleteRequest(new GenericUrl(sessionUri));
            request.setContent(new EmptyContent());
            request.setThrowExceptionOnExecuteError(false);
            HttpResponse response = request.execute();
            int code = response.getStatusCode();
            response.disconnect();
            if (code == CANCELLED || code == 404 || code == 410) {
                LOGGER.debugf("resumable session cancelled" + STORE + KEY, "gcs", key);
            } else {
                LOGGER.warnf("resumable session cancel answered" + STORE + KEY + STATUS + "; it expires unfinalized",
                        "gcs", key, code);
            }
        } catch (IOException | RuntimeException e) {
            LOGGER.warnf("resumable session cancel failed" + STORE + KEY + ERROR + "; it expires unfinalized", "gcs",
                    key, e.getClass().getSimpleName());
        }
    }

    private void record(HttpResponse response) {
        String[] slot = opened.get();
        if (slot == null) {
            return;
        }
        HttpRequest request = response.getRequest();
        if ("POST".equals(request.getRequestMethod())
                && "resumable".equals(request.getUrl().getFirst("uploadType"))
                && response.getStatusCode() == 200) {
            String location = response.getHeaders().getLocation();
            if (location != null) {
                slot[0] = location;
            }
        }
    }

    /** A value and the session URI recorded while producing it. */
    record Opened<T>(T value, Optional<String> sessionUri) {
    }

    /** A supplier that may throw {@link IOException}. */
    @FunctionalInterface
    interface IoSupplier<T> {
        T get() throws IOException;
    }

    /** The client's transport options plus a response interceptor that reports opened sessions. */
    private static final class TrackingTransportOptions extends HttpTransportOptions {

        private static final long serialVersionUID = 1L;

        private final transient ResumableSessions sessions;

        TrackingTransportOptions(HttpTransportOptions.Builder builder, ResumableSessions sessions) {
            super(builder);
            this.sessions = sessions;
        }

        HttpRequestInitializer plainInitializer(ServiceOptions<?, ?> options) {
            return super.getHttpRequestInitializer(options);
        }

        @Override
        public HttpRequestInitializer getHttpRequestInitializer(ServiceOptions<?, ?> options) {
            HttpRequestInitializer delegate = super.getHttpRequestInitializer(options);
            return request -> {
                delegate.initialize(request);
                request.setResponseInterceptor(sessions::record);
            };
        }

        @Override
        public boolean equals(Object obj) {
            return obj instanceof TrackingTransportOptions other && other.sessions == sessions && super.equals(obj);
        }

        @Override
        public int hashCode() {
            return super.hashCode();
        }
    }
}
