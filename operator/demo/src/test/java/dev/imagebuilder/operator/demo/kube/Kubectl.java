package dev.imagebuilder.operator.demo.kube;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs the real kubectl binary against a kubeconfig, with its own discovery/OpenAPI cache directory (ports are
 * reused between runs, so a shared cache could describe another server).
 */
public final class Kubectl {

  /** What one kubectl invocation printed. */
  public record Result(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  private final Path binary;
  private final Path kubeconfig;
  private final Path cacheDir;

  public Kubectl(Path binary, Path kubeconfig, Path cacheDir) {
    this.binary = binary;
    this.kubeconfig = kubeconfig;
    this.cacheDir = cacheDir;
  }

  /**
   * The kubectl to test with: {@code $KUBECTL}, else {@code <repo>/.tools/bin/kubectl}, else the PATH. Skips the
   * calling test when there is none, except under CI ({@code CI=true}) where a missing kubectl fails it.
   */
  public static Path require() {
    Optional<Path> found = locate();
    if (found.isEmpty()) {
      String message = "kubectl not found (set KUBECTL, install it to .tools/bin/kubectl or put it on the PATH)";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail(message);
      }
      assumeTrue(false, message);
    }
    return found.get();
  }

  static Optional<Path> locate() {
    String env = System.getenv("KUBECTL");
    if (env != null && !env.isBlank() && Files.isExecutable(Path.of(env))) {
      return Optional.of(Path.of(env));
    }
    Path dir = Path.of("").toAbsolutePath();
    for (int up = 0; dir != null && up < 4; up++, dir = dir.getParent()) {
      Path tool = dir.resolve(".tools/bin/kubectl");
      if (Files.isExecutable(tool)) {
        return Optional.of(tool);
      }
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String entry : path.split(File.pathSeparator)) {
        Path candidate = Path.of(entry, "kubectl");
        if (Files.isExecutable(candidate)) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }

  /** Runs {@code kubectl args...} and waits for it (30 s at most). */
  public Result run(String... args) {
    return withInput(null, args);
  }

  /** {@code kubectl apply -f -} of the given YAML. */
  public Result apply(String yaml) {
    return withInput(yaml, "apply", "-f", "-");
  }

  /** Runs kubectl with {@code stdin} piped in. */
  Result withInput(String stdin, String... args) {
    Process process = start(args);
    try {
      if (stdin != null) {
        process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      process.getOutputStream().close();
      CompletableFuture<String> out = read(process.getInputStream());
      CompletableFuture<String> err = read(process.getErrorStream());
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        fail("kubectl " + String.join(" ", args) + " did not finish in 30 s");
      }
      return new Result(process.exitValue(), out.join(), err.join());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Starts kubectl without waiting (for {@code get -w}); the caller destroys it. */
  Process start(String... args) {
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.add("--cache-dir=" + cacheDir);
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    try {
      return builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static CompletableFuture<String> read(InputStream stream) {
    return CompletableFuture.supplyAsync(() -> {
      try (stream) {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }
}
