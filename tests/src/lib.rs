//! Workspace tests and the flxpoint sandbox server.
