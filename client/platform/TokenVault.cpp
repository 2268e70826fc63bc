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
void TokenVault::probe(std::function<void(bool, const QString &)> done)
{
    // A read of an entry that does not exist: "not found" means a keychain answered.
    auto *job = new QKeychain::ReadPasswordJob(m_service, this);
    job->setKey(QStringLiteral("presently-probe"));
    job->setInsecureFallback(false);
    connect(job, &QKeychain::Job::finished, this, [job, done = std::move(done)] {
        const bool available = job->error() == QKeychain::NoError || job->error() == QKeychain::EntryNotFound;
        done(available, available ? QString() : job->errorString());
    });
    job->start();
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

void TokenVault::store(const QString &account, const QString &token, std::function<void(const QString &)> done)
{
    auto *job = new QKeychain::WritePasswordJob(m_service, this);
    job->setKey(account);
    job->setInsecureFallback(false);
    job->setTextData(token);
    connect(job, &QKeychain::Job::finished, this, [job, done = std::move(done)] {
        if (done)
            done(job->error() == QKeychain::NoError ? QString() : job->errorString());
    });
    job->start();
}

void TokenVault::forget(const QString &account)
{
    auto *job = new QKeychain::DeletePasswordJob(m_service, this);
    job->setKey(account);
    job->start();
}
#else
void TokenVault::probe(std::function<void(bool, const QString &)> done)
{
    done(false, tr("this build of Presently has no keychain support"));
}

void TokenVault::load(const QString &, std::function<void(const QString &)> done)
{
    done(QString());
}

void TokenVault::store(const QString &, const QString &, std::function<void(const QString &)> done)
{
    if (done)
        done(tr("this build of Presently has no keychain support"));
}
void TokenVault::forget(const QString &) {}
#endif

} // namespace presently
