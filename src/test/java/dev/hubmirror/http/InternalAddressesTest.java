package dev.hubmirror.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class InternalAddressesTest {

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.1.2.3", "10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.254",
        "192.168.1.1", "169.254.169.254", "169.254.0.1", "100.64.0.1", "0.0.0.0", "::1", "::", "fe80::1",
        "fe80::1%eth0", "fc00::1", "fd12:3456::1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a00:1",
        "224.0.0.1", "ff02::1", "[::1]", "", "metadata.google.internal", "not an address"})
    void internalAddressesAndNonLiteralsAreInternal(String ip) {
        assertThat(InternalAddresses.isInternal(ip)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"8.8.8.8", "172.32.0.1", "172.15.255.255", "192.169.0.1", "100.128.0.1", "18.244.0.1",
        "2600:9000:2000::1", "2001:4860:4860::8888", "::ffff:8.8.8.8"})
    void publicAddressesAreNot(String ip) {
        assertThat(InternalAddresses.isInternal(ip)).isFalse();
    }
}
