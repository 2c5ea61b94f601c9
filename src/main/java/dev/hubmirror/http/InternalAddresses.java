package dev.hubmirror.http;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Addresses of the private side: loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16,
 * which holds the cloud metadata service 169.254.169.254, fe80::/10), shared (100.64/10), unspecified and multicast. A
 * redirect (from the Hub, a registry or its token realm) must not make the service connect to one of them (SSRF into
 * the private network).
 */
public final class InternalAddresses {

    private InternalAddresses() {
    }

    /**
     * Whether {@code ip} (a literal address as a connected socket reports it) is internal. Anything that is not a
     * literal address counts as internal, so that an unexpected value is refused rather than trusted.
     */
    public static boolean isInternal(String ip) {
        if (ip == null || ip.isBlank()) {
            return true;
        }
        String literal = ip.trim();
        int scope = literal.indexOf('%');
        if (scope >= 0) {
            literal = literal.substring(0, scope);
        }
        if (literal.startsWith("[") && literal.endsWith("]")) {
            literal = literal.substring(1, literal.length() - 1);
        }
        if (!literal.matches("[0-9a-fA-F:.]+")) {
            return true; // not a literal: never resolve names here
        }
        try {
            return isInternal(InetAddress.getByName(literal));
        } catch (UnknownHostException e) {
            return true;
        }
    }

    /** Whether {@code address} is internal. */
    public static boolean isInternal(InetAddress address) {
        if (address.isAnyLocalAddress() || address.isLoopbackAddress() || address.isLinkLocalAddress()
                || address.isSiteLocalAddress() || address.isMulticastAddress()) {
            return true;
        }
        byte[] bytes = address.getAddress();
        if (address instanceof Inet4Address) {
            int first = bytes[0] & 0xff;
            int second = bytes[1] & 0xff;
            return first == 0 || first == 100 && second >= 64 && second <= 127 || first >= 240;
        }
        if (address instanceof Inet6Address v6) {
            if ((bytes[0] & 0xfe) == 0xfc) {
                return true; // unique local fc00::/7
            }
            if (v6.isIPv4CompatibleAddress() || isNat64(bytes)) {
                byte[] embedded = {bytes[12], bytes[13], bytes[14], bytes[15]};
                try {
                    return isInternal(InetAddress.getByAddress(embedded));
                } catch (UnknownHostException e) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The well-known NAT64 prefix 64:ff9b::/96, which embeds an IPv4 address. */
    private static boolean isNat64(byte[] bytes) {
        if (bytes[0] != 0 || bytes[1] != 0x64 || (bytes[2] & 0xff) != 0xff || (bytes[3] & 0xff) != 0x9b) {
            return false;
        }
        for (int i = 4; i < 12; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
