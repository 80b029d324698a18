package io.eventpipelines.app;

/**
 * The cluster or the registry refused who the app is (wrong credentials, an untrusted certificate) or what it
 * asked for (a missing ACL): exit code 4. The message names the servers, the principal and, for ACLs, the
 * topics and operations; it never holds a password.
 */
public final class NotAuthorizedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NotAuthorizedException(String message) {
        super(message);
    }

    public NotAuthorizedException(String message, Throwable cause) {
        super(message, cause);
    }
}
