#pragma once

#include <QString>
#include <memory>

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace presently {

// A server certificate, its key and the TLS policy every wss:// connection gets (OpenSSL):
// TLS 1.2 and 1.3 only, forward-secret AEAD suites, ALPN http/1.1, no renegotiation, no session
// tickets or cache (a gateway restart loses them anyway), buffers given back while a connection
// is idle. Loaded whole or not at all, so a reload (SIGHUP) with a bad file keeps the old one;
// connections hold their context, so a reload never touches them.
class TlsContext {
public:
    // PEM files: the certificate (its chain may follow it) and the private key (not encrypted).
    static std::shared_ptr<TlsContext> load(const QString &certificatePath, const QString &keyPath, QString *error);
    ~TlsContext();
    TlsContext(const TlsContext &) = delete;
    TlsContext &operator=(const TlsContext &) = delete;

    // A server-side TLS session on the non-blocking `socket`; null when OpenSSL is out of memory.
    SSL *newSession(qintptr socket) const;
    // "CN=chat.example.com, valid until 2027-03-01" for the log.
    QString summary() const { return m_summary; }

private:
    explicit TlsContext(SSL_CTX *context);
    SSL_CTX *m_context;
    QString m_summary;
};

} // namespace presently
