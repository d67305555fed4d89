//! Which network addresses the platform may call out to. In the cloud an
//! outbound connection a dealership configures (an IMAP server, a webhook
//! receiver) must never reach inside: loopback, private networks, or the
//! instance metadata service.

use std::net::IpAddr;

/// Whether an address is on the public internet: not loopback, private
/// (RFC 1918, unique local), link-local (the instance metadata service is
/// 169.254.169.254), shared (100.64/10), unspecified, broadcast,
/// documentation, benchmarking, multicast or otherwise reserved space.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0)
                || (a == 198 && (18..20).contains(&b))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8)
        }
    }
}
