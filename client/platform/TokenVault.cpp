#include "platform/TokenVault.h"

#ifdef PRESENTLY_HAVE_KEYCHAIN
#include <qt6keychain/keychain.h>
#endif

namespace presently {

TokenVault::TokenVault(const QString &profile, QObject *parent)
    : QObject(parent)
    , m_service(QStringLiteral("presently/") + profile)
{}

#ifdef PRESENTLY_HAVE_KEYCHAIN
bool TokenVault::isAvailable()
{
    return true; // a job fails cleanly when no keychain service runs; then nothing is kept
}

void TokenVault::load(const QString &account, std::function<void(const QString &)> done)
{
    auto *job = new QKeychain::ReadPasswordJob(m_service, this);
    job->setKey(account);
    job->setInsecureFallback(false);
    connect(job, &QKeychain::Job::finished, this,
            [job, done = std::move(done)] { done(job->error() == QKeychain::NoError ? job->textData() : QString()); });
    job->start();
}

void TokenVault::store(const QString &account, const QString &token)
{
    auto *job = new QKeychain::WritePasswordJob(m_service, this);
    job->setKey(account);
    job->setInsecureFallback(false);
    job->setTextData(token);
    job->start();
}

void TokenVault::forget(const QString &account)
{
    auto *job = new QKeychain::DeletePasswordJob(m_service, this);
    job->setKey(account);
    job->start();
}
#else
bool TokenVault::isAvailable()
{
    return false;
}

void TokenVault::load(const QString &, std::function<void(const QString &)> done)
{
    done(QString());
}

void TokenVault::store(const QString &, const QString &) {}
void TokenVault::forget(const QString &) {}
#endif

} // namespace presently
