#include <QTest>
class TestRedisGateways : public QObject { Q_OBJECT };
QTEST_GUILESS_MAIN(TestRedisGateways)
#include "TestRedisGateways.moc"
