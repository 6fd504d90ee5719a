package dev.imagebuilder.operator.simulator;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A V1 (HMAC-SHA1) signer written from Alibaba Cloud's documented RPC signature algorithm, independent
 * of the simulator's verifier: every parameter (empty ones too) is sorted by name, RFC 3986 encoded,
 * joined, and signed as {@code METHOD&%2F&encode(canonicalQuery)} with the key {@code secret + "&"}.
 */
final class DocumentedV1Signer {
    private DocumentedV1Signer() {
    }

    /** The common parameters plus {@code api}, with Signature added. */
    static Map<String, String> sign(String method, Map<String, String> api, String accessKeyId, String secret) throws Exception {
        Map<String, String> params = new TreeMap<>(api);
        params.put("Format", "JSON");
        params.put("Version", "2014-05-26");
        params.put("AccessKeyId", accessKeyId);
        params.put("SignatureMethod", "HMAC-SHA1");
        params.put("SignatureVersion", "1.0");
        params.put("SignatureNonce", UUID.randomUUID().toString());
        params.put("Timestamp", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        String canonical = params.entrySet().stream()
                .map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
                .collect(Collectors.joining("&"));
        String stringToSign = method + "&" + encode("/") + "&" + encode(canonical);
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec((secret + "&").getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
        params.put("Signature", Base64.getEncoder().encodeToString(mac.doFinal(stringToSign.getBytes(StandardCharsets.UTF_8))));
        return params;
    }

    /** {@code k=v&...}, encoded the same way, for a query string or a form body. */
    static String form(Map<String, String> params) {
        return params.entrySet().stream().map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
                .collect(Collectors.joining("&"));
    }

    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A").replace("%7E", "~");
    }
}
