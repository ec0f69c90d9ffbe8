pub mod account;
pub mod acting;
pub mod forbidden;
pub mod home;
pub mod login;
pub mod not_found;
pub mod staff;
pub mod sub_orgs;
