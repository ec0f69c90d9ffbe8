//! The address of the person at the other end: the connecting peer, or, when that peer is a
//! proxy the operator trusts (`PORTAL_TRUSTED_PROXIES`), the address its `X-Forwarded-For`
//! names. The sign-in throttle, the audit's `client_ip` and the logs all use it.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The client address of this request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// The proxies whose `X-Forwarded-For` is believed: addresses or CIDR ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Comma-separated addresses (`10.0.0.7`, `::1`) or ranges (`10.0.0.0/8`).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut nets = Vec::new();
        for item in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let net = match item.parse::<IpNet>() {
                Ok(net) => net,
                Err(_) => item
                    .parse::<IpAddr>()
                    .map(IpNet::from)
                    .map_err(|_| format!("{item:?} is neither an address nor a CIDR range"))?,
            };
            nets.push(canonical(net));
        }
        Ok(Self(nets))
    }

    fn trusts(&self, addr: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&addr))
    }

    /// The client behind `peer`: walking `X-Forwarded-For` from the right (the entry the
    /// nearest proxy added), the first address that is not a trusted proxy. Entries to its
    /// left were written by the client and prove nothing.
    pub fn client_of(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.trusts(client) {
            return client;
        }
        // Split as bytes: a line that is not UTF-8 as a whole still has its proxy's entry at
        // the end, and an entry that is not UTF-8 is malformed like any other.
        let hops = headers
            .get_all("x-forwarded-for")
            .iter()
            .flat_map(|v| v.as_bytes().split(|b| *b == b','))
            .collect::<Vec<_>>();
        for hop in hops.iter().rev() {
            let Some(addr) = std::str::from_utf8(hop).ok().and_then(parse_hop) else {
                // A malformed entry: the last proxy that passed it on is all we know.
                break;
            };
            client = addr;
            if !self.trusts(addr) {
                break;
            }
        }
        client
    }
}

/// A range of IPv4-mapped IPv6 addresses (`::ffff:10.0.0.0/104`) as the IPv4 range it is, since
/// addresses are compared in their canonical form.
fn canonical(net: IpNet) -> IpNet {
    match net {
        IpNet::V6(v6) if v6.prefix_len() >= 96 => v6
            .addr()
            .to_ipv4_mapped()
            .and_then(|v4| ipnet::Ipv4Net::new(v4, v6.prefix_len() - 96).ok())
            .map_or(net, IpNet::V4),
        other => other,
    }
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:5`, `[::1]:5`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|addr| addr.to_canonical())
}

/// The address throttles and tallies count under: an IPv4 address, or the first address of
/// the /64 network of an IPv6 one (one subscriber's share, 2^64 addresses to rotate through).
pub fn throttle_net(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V4(_) => addr,
        IpAddr::V6(v6) => ipnet::Ipv6Net::new(v6, 64).map_or(addr, |net| IpAddr::V6(net.network())),
    }
}

/// [`throttle_net`] as the text the database keys on (`2001:db8::/64` for IPv6).
pub fn throttle_key(addr: IpAddr) -> String {
    match throttle_net(addr) {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("{v6}/64"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("x-forwarded-for", v.parse().expect("header value"));
        }
        headers
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("address")
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_it_claims() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client_of(ip("10.0.0.7"), &forwarded(&["203.0.113.9"])),
            ip("10.0.0.7")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_rightmost_untrusted_hop_is_the_client() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, ::1").expect("parses");
        // The client forged the first entry; the balancer appended the real one.
        let headers = forwarded(&["198.51.100.1, 203.0.113.9", "10.1.2.3"]);
        assert_eq!(
            proxies.client_of(ip("10.0.0.7"), &headers),
            ip("203.0.113.9")
        );
        assert_eq!(
            proxies.client_of(ip("::1"), &forwarded(&["203.0.113.9:4711"])),
            ip("203.0.113.9")
        );
        assert_eq!(
            proxies.client_of(ip("::ffff:10.0.0.7"), &forwarded(&["[2001:db8::1]:80"])),
            ip("2001:db8::1")
        );
        // Nothing forwarded, or only proxies: the nearest address known.
        assert_eq!(
            proxies.client_of(ip("10.0.0.7"), &HeaderMap::new()),
            ip("10.0.0.7")
        );
        assert_eq!(
            proxies.client_of(ip("10.0.0.7"), &forwarded(&["10.9.9.9"])),
            ip("10.9.9.9")
        );
        // A malformed entry stops the walk at the proxy that passed it on.
        assert_eq!(
            proxies.client_of(ip("10.0.0.7"), &forwarded(&["203.0.113.9, bogus"])),
            ip("10.0.0.7")
        );
    }

    #[test]
    fn a_line_that_is_not_utf8_keeps_the_proxys_own_entry() {
        let proxies = TrustedProxies::parse("10.0.0.0/8").expect("parses");
        let mut headers = HeaderMap::new();
        let line = axum::http::HeaderValue::from_bytes(b"\xff\xfe, 203.0.113.9").expect("bytes");
        headers.append("x-forwarded-for", line);
        assert_eq!(
            proxies.client_of(ip("10.0.0.7"), &headers),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn mapped_ranges_trust_the_ipv4_addresses_they_name() {
        let proxies = TrustedProxies::parse("::ffff:10.0.0.0/104").expect("parses");
        assert_eq!(
            proxies.client_of(ip("10.1.2.3"), &forwarded(&["203.0.113.9"])),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64_network() {
        assert_eq!(
            throttle_key(ip("2001:db8:1:2:aaaa::1")),
            "2001:db8:1:2::/64"
        );
        assert_eq!(
            throttle_key(ip("2001:db8:1:2:ffff::9")),
            throttle_key(ip("2001:db8:1:2::1"))
        );
        assert_eq!(throttle_key(ip("203.0.113.9")), "203.0.113.9");
    }

    #[test]
    fn the_setting_names_what_it_cannot_read() {
        assert_eq!(TrustedProxies::parse(""), Ok(TrustedProxies::default()));
        assert!(TrustedProxies::parse("10.0.0.1, 192.168.0.0/16").is_ok());
        let err = TrustedProxies::parse("10.0.0.1, proxy.internal").expect_err("refused");
        assert!(err.contains("proxy.internal"), "{err}");
    }
}
