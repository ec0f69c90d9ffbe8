//! suborg-portal: an internal admin portal for companies that run PostGrid Print & Mail for
//! many customers. See the README for the architecture map.

pub mod app;
pub mod approvals;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod form_token;
pub mod forms;
pub mod http;
pub mod impersonation;
pub mod net;
pub mod postgrid;
pub mod sendgrid;
pub mod staff_changes;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod upstream;
pub mod web;
