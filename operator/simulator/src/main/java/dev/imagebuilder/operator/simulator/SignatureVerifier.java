package dev.imagebuilder.operator.simulator;

import java.io.UnsupportedEncodingException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks the two request signatures Alibaba Cloud RPC APIs accept, the way the server side does:
 * recompute the signature from what arrived on the wire and the registered secret, then compare.
 *
 * <ul>
 *   <li><b>V3, {@code ACS3-HMAC-SHA256}</b> in the {@code Authorization} header: what the Java V2 SDK
 *   (tea-openapi) sends by default. Canonical request = method, path, canonical query, the signed headers
 *   ({@code host}, {@code content-type} and every {@code x-acs-*}), the signed header names, and the
 *   SHA-256 of the body.</li>
 *   <li><b>V1, {@code HMAC-SHA1}</b> in the parameters ({@code Signature}, {@code SignatureMethod},
 *   {@code SignatureVersion=1.0}, {@code SignatureNonce}, {@code AccessKeyId}): what the aliyun CLI and
 *   older SDKs send, as GET or as a form-encoded POST.</li>
 * </ul>
 *
 * <p>Nothing here ever puts a secret into a message, a log line or an exception.
 */
final class SignatureVerifier {

    /** A registered key. {@code toString} is masked so a secret cannot leak through a log or a debugger. */
    record Credential(String accessKeyId, String secret, String securityToken) {
        @Override
        public String toString() {
            return "Credential[" + accessKeyId + ", secret=***" + (securityToken != null ? ", with token" : "") + "]";
        }
    }

    /**
     * What arrived: method, path, the decoded URL query, the decoded form body (empty unless form-encoded),
     * headers by lower-case name, and the raw body.
     */
    record SignedRequest(String method, String path, Map<String, String> query, Map<String, String> form,
                         Map<String, String> headers, byte[] body) {
    }

    /** Who signed a request, and in which of the two styles ({@code "V1"} or {@code "V3"}). */
    record Signer(String accessKeyId, String style) {
    }

    private static final String V3_ALGORITHM = "ACS3-HMAC-SHA256";

    private SignatureVerifier() {
    }

    /**
     * Verifies {@code request} against the keys {@code lookup} knows.
     *
     * @return the access key id that signed the request, and how
     * @throws ApiError the answer ECS gives to a request it cannot authenticate
     */
    static Signer verify(SignedRequest request, Function<String, Credential> lookup) {
        String authorization = request.headers().get("authorization");
        if (authorization != null && authorization.startsWith("ACS3-")) {
            return new Signer(verifyV3(request, authorization, lookup), "V3");
        }
        if (param(request, "Signature") != null) {
            return new Signer(verifyV1(request, lookup), "V1");
        }
        throw ApiError.incompleteSignature("Neither an Authorization header nor a Signature parameter was sent.");
    }

    private static String verifyV3(SignedRequest request, String authorization, Function<String, Credential> lookup) {
        int space = authorization.indexOf(' ');
        String algorithm = space < 0 ? authorization : authorization.substring(0, space);
        if (!V3_ALGORITHM.equals(algorithm)) {
            throw ApiError.incompleteSignature("Unsupported signature algorithm " + algorithm + ".");
        }
        Map<String, String> parts = new TreeMap<>();
        for (String part : authorization.substring(space + 1).split(",")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                parts.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
            }
        }
        String accessKeyId = parts.get("Credential");
        String signedHeaderList = parts.get("SignedHeaders");
        String signature = parts.get("Signature");
        if (accessKeyId == null || signedHeaderList == null || signature == null) {
            throw ApiError.incompleteSignature("The Authorization header needs Credential, SignedHeaders and Signature.");
        }
        Credential credential = known(accessKeyId, lookup);

        List<String> signedHeaders = Arrays.asList(signedHeaderList.toLowerCase(Locale.ROOT).split(";"));
        // Every x-acs-* header and host must be covered, or a man in the middle could change the
        // action, the date or the token without breaking the signature.
        for (String name : request.headers().keySet()) {
            if ((name.startsWith("x-acs-") || name.equals("host")) && !signedHeaders.contains(name)) {
                throw signatureMismatch("header " + name + " is not signed");
            }
        }
        StringBuilder canonicalHeaders = new StringBuilder();
        for (String name : signedHeaders.stream().sorted().toList()) {
            String value = request.headers().get(name);
            if (value == null) {
                throw signatureMismatch("signed header " + name + " is missing");
            }
            canonicalHeaders.append(name).append(':').append(value.trim()).append('\n');
        }
        String canonicalRequest = request.method() + '\n'
                + (request.path().isEmpty() ? "/" : request.path()) + '\n'
                + new TreeMap<>(request.query()).entrySet().stream()
                        .map(e -> percentEncode(e.getKey()) + '=' + percentEncode(e.getValue()))
                        .collect(Collectors.joining("&")) + '\n'
                + canonicalHeaders + '\n'
                + String.join(";", signedHeaders.stream().sorted().toList()) + '\n'
                // The hash of what really arrived, not the x-acs-content-sha256 the client claims.
                + hex(sha256(request.body()));
        String stringToSign = V3_ALGORITHM + '\n' + hex(sha256(canonicalRequest.getBytes(StandardCharsets.UTF_8)));
        byte[] expected = hmac("HmacSHA256", credential.secret(), stringToSign);
        byte[] given;
        try {
            given = HexFormat.of().parseHex(signature.toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            given = new byte[0];
        }
        if (!MessageDigest.isEqual(expected, given)) {
            throw signatureMismatch("server string to sign is:" + stringToSign);
        }
        checkToken(credential, request.headers().get("x-acs-security-token"));
        return accessKeyId;
    }

    private static String verifyV1(SignedRequest request, Function<String, Credential> lookup) {
        for (String required : List.of("AccessKeyId", "SignatureMethod", "SignatureVersion", "SignatureNonce", "Timestamp")) {
            if (param(request, required) == null) {
                throw ApiError.missingParameter(required);
            }
        }
        if (!"HMAC-SHA1".equals(param(request, "SignatureMethod"))) {
            throw ApiError.incompleteSignature("SignatureMethod must be HMAC-SHA1.");
        }
        if (!"1.0".equals(param(request, "SignatureVersion"))) {
            throw ApiError.incompleteSignature("SignatureVersion must be 1.0.");
        }
        String accessKeyId = param(request, "AccessKeyId");
        Credential credential = known(accessKeyId, lookup);

        // Parameters of the query and of a form body are signed together.
        Map<String, String> params = new TreeMap<>(request.query());
        params.putAll(request.form());
        params.remove("Signature");
        byte[] given;
        try {
            given = Base64.getDecoder().decode(param(request, "Signature"));
        } catch (IllegalArgumentException e) {
            given = new byte[0];
        }
        // Alibaba's documentation signs every parameter; tea-openapi leaves out empty ones. Accept both.
        String documented = v1StringToSign(request.method(), params, true);
        String teaStyle = v1StringToSign(request.method(), params, false);
        for (String stringToSign : documented.equals(teaStyle) ? List.of(documented) : List.of(documented, teaStyle)) {
            if (MessageDigest.isEqual(hmac("HmacSHA1", credential.secret() + "&", stringToSign), given)) {
                checkToken(credential, param(request, "SecurityToken"));
                return accessKeyId;
            }
        }
        throw signatureMismatch("server string to sign is:" + documented);
    }

    private static String v1StringToSign(String method, Map<String, String> sortedParams, boolean withEmpty) {
        List<String> pairs = new ArrayList<>();
        sortedParams.forEach((k, v) -> {
            if (withEmpty || !v.isEmpty()) {
                pairs.add(percentEncode(k) + '=' + percentEncode(v));
            }
        });
        return method + '&' + percentEncode("/") + '&' + percentEncode(String.join("&", pairs));
    }

    private static Credential known(String accessKeyId, Function<String, Credential> lookup) {
        Credential credential = lookup.apply(accessKeyId);
        if (credential == null) {
            throw new ApiError(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.");
        }
        return credential;
    }

    private static void checkToken(Credential credential, String given) {
        String expected = credential.securityToken();
        if (expected == null && given == null) {
            return;
        }
        if (expected != null && given == null) {
            throw new ApiError(400, "MissingSecurityToken", "SecurityToken is mandatory for this AccessKeyId.");
        }
        if (expected == null || !MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                given.getBytes(StandardCharsets.UTF_8))) {
            throw new ApiError(400, "InvalidSecurityToken.MismatchWithAccessKey",
                    "Specified SecurityToken mismatch with the AccessKey.");
        }
    }

    private static String param(SignedRequest request, String name) {
        String fromForm = request.form().get(name);
        return fromForm != null ? fromForm : request.query().get(name);
    }

    private static ApiError signatureMismatch(String detail) {
        return new ApiError(400, "SignatureDoesNotMatch",
                "Specified signature is not matched with our calculation. " + detail);
    }

    /** RFC 3986 encoding as Alibaba signs it: URL-encode, then space as %20, '*' as %2A and '~' kept. */
    static String percentEncode(String value) {
        try {
            return URLEncoder.encode(value, "UTF-8").replace("+", "%20").replace("*", "%2A").replace("%7E", "~");
        } catch (UnsupportedEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(String algorithm, String key, String data) {
        try {
            Mac mac = Mac.getInstance(algorithm);
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), algorithm));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
