//! [`Patch`]: a field of a PATCH body that is left unchanged, cleared, or set.

/// One field of a PATCH: absent on the wire (unchanged), `null` (cleared), or a value (set).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Patch<T> {
    /// Not sent: the server leaves the field as it is.
    #[default]
    Unchanged,
    /// Sent as `null`: the server clears the field.
    Clear,
    /// Sent as this value.
    Set(T),
}

impl<T> Patch<T> {
    /// The generated types' encoding: `None` absent, `Some(None)` null, `Some(Some(v))` value.
    pub fn into_wire(self) -> Option<Option<T>> {
        match self {
            Self::Unchanged => None,
            Self::Clear => Some(None),
            Self::Set(v) => Some(Some(v)),
        }
    }

    /// From the generated types' encoding (the inverse of [`Patch::into_wire`]).
    pub fn from_wire(wire: Option<Option<T>>) -> Self {
        match wire {
            None => Self::Unchanged,
            Some(None) => Self::Clear,
            Some(Some(v)) => Self::Set(v),
        }
    }

    /// Whether the field is left unchanged.
    pub fn is_unchanged(&self) -> bool {
        matches!(self, Self::Unchanged)
    }
}

impl<T> From<Option<T>> for Patch<T> {
    /// `Some(v)` sets, `None` clears.
    fn from(value: Option<T>) -> Self {
        value.map_or(Self::Clear, Self::Set)
    }
}

#[cfg(test)]
mod tests {
    use super::Patch;

    #[test]
    fn some_sets_none_clears_and_the_wire_has_three_states() {
        assert_eq!(Patch::from(Some(3)), Patch::Set(3));
        assert_eq!(Patch::<i32>::from(None), Patch::Clear);
        assert_eq!(Patch::Set(3).into_wire(), Some(Some(3)));
        assert_eq!(Patch::<i32>::Clear.into_wire(), Some(None));
        assert_eq!(Patch::<i32>::Unchanged.into_wire(), None);
        assert!(Patch::<i32>::default().is_unchanged());
        for patch in [Patch::Set(3), Patch::Clear, Patch::Unchanged] {
            assert_eq!(Patch::from_wire(patch.clone().into_wire()), patch);
        }
        assert!(!Patch::<i32>::Clear.is_unchanged());
    }
}
