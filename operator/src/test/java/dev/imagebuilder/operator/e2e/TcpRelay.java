package dev.imagebuilder.operator.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Forwards TCP connections from a local address the node's pods reach (the host's end of the
 * node's link) to a server that listens on loopback only, such as the ECS simulator. Binds to that
 * one address, so nothing beyond this machine can connect.
 */
final class TcpRelay implements AutoCloseable {

  private final ServerSocket server;
  private final InetSocketAddress target;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();

  TcpRelay(InetAddress bind, InetSocketAddress target) throws IOException {
    this.server = new ServerSocket(0, 50, bind);
    this.target = target;
    Thread accept = new Thread(this::accept, "relay-accept");
    accept.setDaemon(true);
    accept.start();
  }

  /** host:port to give the pods. */
  String endpoint() {
    return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket in = server.accept();
        Socket out = new Socket(target.getAddress(), target.getPort());
        open.add(in);
        open.add(out);
        pump(in, out);
        pump(out, in);
      } catch (IOException e) {
        // closed, or the target refused this one connection: the client sees a reset
      }
    }
  }

  private void pump(Socket from, Socket to) {
    Thread t =
        new Thread(
            () -> {
              try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
              } catch (IOException e) {
                // one side went away
              } finally {
                close(from);
                close(to);
              }
            },
            "relay-pump");
    t.setDaemon(true);
    t.start();
  }

  private void close(Socket s) {
    open.remove(s);
    try {
      s.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    open.forEach(this::close);
  }
}
