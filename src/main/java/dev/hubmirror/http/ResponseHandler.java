package dev.hubmirror.http;

/**
 * Decides, once a response head arrived, how its body is read. Called on the connection's event loop: must not block.
 * Throwing fails the exchange with that exception and closes the connection (its body was not read).
 *
 * @param <T> the exchange's result
 */
@FunctionalInterface
public interface ResponseHandler<T> {

    /** How to read the body of the response whose head is {@code head}. */
    BodyReader<T> onHead(ResponseHead head);
}
