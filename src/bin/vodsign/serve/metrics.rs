//! Prometheus metrics: signatures issued, refusals by reason, request latency, requests in
//! flight, reloads.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Reason {
    pub reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Outcome {
    pub result: String,
}

pub struct Metrics {
    registry: Registry,
    pub issued: Counter,
    pub refused: Family<Reason, Counter>,
    pub latency: Histogram,
    pub in_flight: Gauge,
    pub reloads: Family<Outcome, Counter>,
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("vodsign");
        let issued = Counter::default();
        let refused = Family::<Reason, Counter>::default();
        // 20 µs to about 5 s: a signature takes microseconds, a JWT check with RSA about a millisecond.
        let latency = Histogram::new(exponential_buckets(0.000_02, 2.0, 18));
        let reloads = Family::<Outcome, Counter>::default();
        let in_flight = Gauge::default();
        registry.register("signatures_issued", "Signatures handed out", issued.clone());
        registry.register("refusals", "Requests refused, by reason", refused.clone());
        registry.register("request_duration_seconds", "Time from request to reply on the signature path", latency.clone());
        registry.register("reloads", "Reloads of the key and configuration, by result", reloads.clone());
        registry.register("requests_in_flight", "Requests on the signature path being answered now", in_flight.clone());
        Metrics { registry, issued, refused, latency, in_flight, reloads }
    }

    pub fn refuse(&self, reason: &str) {
        self.refused.get_or_create(&Reason { reason: reason.to_owned() }).inc();
    }

    pub fn reloaded(&self, ok: bool) {
        self.reloads.get_or_create(&Outcome { result: if ok { "ok" } else { "failed" }.to_owned() }).inc();
    }

    pub fn text(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry).expect("writing to a String does not fail");
        out
    }
}
