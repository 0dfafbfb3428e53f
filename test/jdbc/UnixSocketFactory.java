// A javax.net.SocketFactory that connects pgjdbc to a PostgreSQL Unix-domain socket with
// Java 16+'s own AF_UNIX channels (JEP 380), so no native library (junixsocket) is needed.
// pgjdbc builds it from the connection properties
//   socketFactory=UnixSocketFactory  socketFactoryArg=/path/to/.s.PGSQL.5432
// and then only connects, reads, writes and closes; it sets TCP options (no-delay, keep-alive,
// read timeout), which mean nothing on a Unix socket and are accepted and ignored here.
// Use it with sslmode=disable and gssEncMode=disable: PostgreSQL offers neither on a socket.
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import javax.net.SocketFactory;

public class UnixSocketFactory extends SocketFactory {
    private final String path;

    public UnixSocketFactory(String path) {
        this.path = path;
    }

    @Override
    public Socket createSocket() {
        return new UnixSocket(path);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        Socket s = createSocket();
        s.connect(null, 0);
        return s;
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return createSocket(host, port);
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return createSocket((String) null, port);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return createSocket((String) null, port);
    }

    /** A Socket whose streams are those of a blocking AF_UNIX SocketChannel. */
    static final class UnixSocket extends Socket {
        private final String path;
        private SocketChannel channel;
        private InputStream in;
        private OutputStream out;
        private int soTimeout;

        UnixSocket(String path) {
            this.path = path;
        }

        @Override
        public void connect(SocketAddress ignored, int timeout) throws IOException {
            // the TCP address pgjdbc passes (host and port of the URL) is not used: the
            // socket's path names the server
            channel = SocketChannel.open(UnixDomainSocketAddress.of(path));
            in = Channels.newInputStream(channel);
            out = Channels.newOutputStream(channel);
        }

        @Override
        public void connect(SocketAddress endpoint) throws IOException {
            connect(endpoint, 0);
        }

        @Override
        public boolean isConnected() {
            return channel != null && channel.isConnected();
        }

        @Override
        public boolean isClosed() {
            return channel != null && !channel.isOpen();
        }

        @Override
        public InputStream getInputStream() throws IOException {
            if (in == null) throw new SocketException("not connected to " + path);
            return in;
        }

        @Override
        public OutputStream getOutputStream() throws IOException {
            if (out == null) throw new SocketException("not connected to " + path);
            return out;
        }

        @Override
        public synchronized void close() throws IOException {
            if (channel != null) channel.close();
        }

        // TCP options: meaningless on a Unix socket
        @Override public void setTcpNoDelay(boolean on) {}
        @Override public boolean getTcpNoDelay() { return true; }
        @Override public void setKeepAlive(boolean on) {}
        @Override public boolean getKeepAlive() { return false; }
        @Override public synchronized void setSoTimeout(int timeout) { soTimeout = timeout; }
        @Override public synchronized int getSoTimeout() { return soTimeout; }
        @Override public synchronized void setReceiveBufferSize(int size) {}
        @Override public synchronized int getReceiveBufferSize() { return 65536; }
        @Override public synchronized void setSendBufferSize(int size) {}
        @Override public synchronized int getSendBufferSize() { return 65536; }
        @Override public void shutdownInput() throws IOException { if (channel != null) channel.shutdownInput(); }
        @Override public void shutdownOutput() throws IOException { if (channel != null) channel.shutdownOutput(); }
        @Override public String toString() { return "UnixSocket[" + path + "]"; }
    }
}
