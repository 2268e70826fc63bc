#include "net/TlsContext.h"

#include <QDateTime>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace presently {

namespace {
// Mozilla's "intermediate" TLS 1.2 suites (ECDHE, AEAD only); TLS 1.3's are all modern.
constexpr const char *kTls12Ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                      "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                      "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

QString openSslError(const QString &what)
{
    QString text = what;
    while (const unsigned long code = ERR_get_error()) {
        char buffer[256];
        ERR_error_string_n(code, buffer, sizeof buffer);
        text += QStringLiteral(": ") + QString::fromLatin1(buffer);
    }
    return text;
}

// WebSocket is HTTP/1.1: a client that offers ALPN without it is refused (RFC 7301, 3.2).
int selectAlpn(SSL *, const unsigned char **out, unsigned char *outLength, const unsigned char *in,
               unsigned int inLength, void *)
{
    static const unsigned char http11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    unsigned char *selected = nullptr;
    if (SSL_select_next_proto(&selected, outLength, http11, sizeof http11, in, inLength) != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
}

// An encrypted key would make OpenSSL ask on the terminal: refuse it instead.
int noPassphrase(char *, int, int, void *)
{
    return 0;
}

QString describe(SSL_CTX *context)
{
    X509 *certificate = SSL_CTX_get0_certificate(context);
    if (!certificate)
        return {};
    char subject[256] = {};
    X509_NAME_oneline(X509_get_subject_name(certificate), subject, sizeof subject);
    QString text = QString::fromUtf8(subject);
    int days = 0;
    int seconds = 0;
    if (ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(certificate))) {
        const QDateTime until = QDateTime::currentDateTimeUtc().addDays(days).addSecs(seconds);
        text += QStringLiteral(", valid until %1").arg(until.toString(Qt::ISODate));
        if (days < 0 || (days == 0 && seconds < 0))
            text += QStringLiteral(" (EXPIRED)");
    }
    return text;
}
} // namespace

std::shared_ptr<TlsContext> TlsContext::load(const QString &certificatePath, const QString &keyPath, QString *error)
{
    ERR_clear_error();
    SSL_CTX *context = SSL_CTX_new(TLS_server_method());
    if (!context) {
        *error = openSslError(QStringLiteral("cannot create a TLS context"));
        return nullptr;
    }
    std::shared_ptr<TlsContext> tls(new TlsContext(context));
    SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(context, TLS1_3_VERSION);
    SSL_CTX_set_options(context, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(context, 0);
    SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_OFF);
    // Partial writes and a moving buffer suit the socket's own output queue; idle connections
    // give their 16 KiB read and write buffers back (most of a TLS connection's memory).
    SSL_CTX_set_mode(context,
                     SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_alpn_select_cb(context, selectAlpn, nullptr);
    SSL_CTX_set_default_passwd_cb(context, noPassphrase);
    if (SSL_CTX_set_cipher_list(context, kTls12Ciphers) != 1) {
        *error = openSslError(QStringLiteral("cannot set the TLS cipher suites"));
        return nullptr;
    }
    const QByteArray certificate = certificatePath.toLocal8Bit();
    const QByteArray key = keyPath.toLocal8Bit();
    if (SSL_CTX_use_certificate_chain_file(context, certificate.constData()) != 1) {
        *error = openSslError(QStringLiteral("cannot read the certificate %1").arg(certificatePath));
        return nullptr;
    }
    if (SSL_CTX_use_PrivateKey_file(context, key.constData(), SSL_FILETYPE_PEM) != 1) {
        *error = openSslError(QStringLiteral("cannot use the private key %1 with the certificate %2 (it must be "
                                             "that certificate's key, PEM, not encrypted)")
                                  .arg(keyPath, certificatePath));
        return nullptr;
    }
    if (SSL_CTX_check_private_key(context) != 1) {
        *error = openSslError(QStringLiteral("cannot use the private key %1 with the certificate %2 (it must be "
                                             "that certificate's key)")
                                  .arg(keyPath, certificatePath));
        return nullptr;
    }
    tls->m_summary = describe(context);
    return tls;
}

TlsContext::TlsContext(SSL_CTX *context)
    : m_context(context)
{}

TlsContext::~TlsContext()
{
    SSL_CTX_free(m_context); // sessions made from it hold their own reference
}

SSL *TlsContext::newSession(qintptr socket) const
{
    SSL *ssl = SSL_new(m_context);
    if (!ssl)
        return nullptr;
    if (SSL_set_fd(ssl, static_cast<int>(socket)) != 1) {
        SSL_free(ssl);
        return nullptr;
    }
    SSL_set_accept_state(ssl);
    return ssl;
}

} // namespace presently
