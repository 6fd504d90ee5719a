package dev.imagebuilder.operator.simulator;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Opaque, tamper-evident NextToken values.
 *
 * <p>A token is a keyset cursor (the sequence number of the last execution handed out, so executions
 * created while a client pages do not shift the later pages) plus an HMAC over the cursor and the query
 * it belongs to. The key is random per simulator, so a token that was edited, belongs to another query,
 * or was issued by an earlier simulator is rejected like ECS rejects one: 403 {@code Invalid.NextToken}.
 */
final class PageTokens {
    private static final int MAC_BYTES = 16;
    private final SecretKeySpec key;

    PageTokens() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        key = new SecretKeySpec(bytes, "HmacSHA256");
    }

    /** A token that continues {@code query} after the execution with sequence number {@code afterSeq}. */
    String issue(String query, long afterSeq) {
        ByteBuffer buffer = ByteBuffer.allocate(Long.BYTES + MAC_BYTES);
        buffer.putLong(afterSeq).put(mac(query, afterSeq));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(buffer.array());
    }

    /** The cursor inside {@code token}, if it was issued by this simulator for the same query. */
    long cursor(String token, String query) {
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(token);
        } catch (IllegalArgumentException e) {
            throw invalid();
        }
        if (raw.length != Long.BYTES + MAC_BYTES) {
            throw invalid();
        }
        ByteBuffer buffer = ByteBuffer.wrap(raw);
        long cursor = buffer.getLong();
        byte[] given = Arrays.copyOfRange(raw, Long.BYTES, raw.length);
        if (!MessageDigest.isEqual(given, mac(query, cursor))) {
            throw invalid();
        }
        return cursor;
    }

    private byte[] mac(String query, long cursor) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            byte[] full = mac.doFinal((query + '\n' + cursor).getBytes(StandardCharsets.UTF_8));
            return Arrays.copyOf(full, MAC_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    private static ApiError invalid() {
        return new ApiError(403, "Invalid.NextToken", "The specified NextToken is not valid.");
    }
}
