//! Integration tests: the real router on a random port with a fresh database per test.

mod acting;
mod approvals;
mod audit;
mod audit_review;
mod auth;
mod cli;
mod disk_full;
mod helpers;
mod impersonation;
mod instances;
mod mfa;
mod pages;
mod platform;
mod postgres_restart;
mod refusals;
mod retention;
mod security;
mod sendgrid;
mod sso;
mod staff_management;
mod streams;
mod sub_orgs;
