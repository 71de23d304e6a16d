//! flxpoint-ext
