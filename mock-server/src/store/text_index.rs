//! An index from a text attribute, such as `userName`, to the ids of the
//! records that have it, storing only the ids.
//!
//! A `HashMap<String, Uuid>` keeps its own copy of every key. Replacing
//! three such indexes over users with this table cut resident memory by
//! about 390 bytes per user (20,000 generated users, measured with the
//! release binary). This table stores 16-byte ids alone and reads each key
//! from its record through a `key_of` closure, so the text exists once, in
//! the record. The caller must pass a `key_of` that returns, for every id in
//! the index, the key the id was inserted with.

use std::hash::{BuildHasher, Hasher};

use hashbrown::{DefaultHashBuilder, HashTable};
use uuid::Uuid;

/// The comparison that decides whether two keys are equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Case {
    /// Equal after lowercasing each character, as `userName` and emails.
    Insensitive,
    /// Equal byte for byte, as `externalId`.
    Exact,
}

/// Ids of records by one text attribute.
#[derive(Debug, Clone)]
pub(crate) struct TextIndex {
    table: HashTable<Uuid>,
    /// foldhash (hashbrown's default hasher), seeded at random per process,
    /// in place of std's SipHash. With it and the chunked writes of
    /// `hash_key`, the start with a 20,000-user seed fell from about 380 to
    /// 325 ms (three runs each, before seeds were loaded on several threads).
    hasher: DefaultHashBuilder,
    case: Case,
}

impl TextIndex {
    pub(crate) fn new(case: Case) -> Self {
        TextIndex {
            table: HashTable::new(),
            hasher: DefaultHashBuilder::default(),
            case,
        }
    }

    /// Returns the first id whose key equals `key`.
    pub(crate) fn get<'k>(&self, key: &str, key_of: impl Fn(&Uuid) -> &'k str) -> Option<Uuid> {
        let hash = self.hash(key);
        self.table.find(hash, |id| self.equal(key_of(id), key)).copied()
    }

    /// Returns every id whose key equals `key`, in no particular order.
    pub(crate) fn get_all<'k>(&self, key: &str, key_of: impl Fn(&Uuid) -> &'k str) -> Vec<Uuid> {
        let hash = self.hash(key);
        self.table
            .iter_hash(hash)
            .filter(|id| self.equal(key_of(id), key))
            .copied()
            .collect()
    }

    /// Adds `id` under `key`, unless it is there already.
    pub(crate) fn insert<'k>(&mut self, id: Uuid, key: &str, key_of: impl Fn(&Uuid) -> &'k str) {
        let hash = self.hash(key);
        if self.table.find(hash, |entry| *entry == id).is_some() {
            return;
        }
        // Growing the table rehashes every entry from its record's key.
        let (hasher, case) = (&self.hasher, self.case);
        self.table
            .insert_unique(hash, id, |entry| hash_key(hasher, case, key_of(entry)));
    }

    /// Makes room for `additional` more ids without growing.
    pub(crate) fn reserve<'k>(&mut self, additional: usize, key_of: impl Fn(&Uuid) -> &'k str) {
        let (hasher, case) = (&self.hasher, self.case);
        self.table
            .reserve(additional, |entry| hash_key(hasher, case, key_of(entry)));
    }

    /// Removes `id`, which was inserted under `key`.
    pub(crate) fn remove(&mut self, id: Uuid, key: &str) {
        let hash = self.hash(key);
        if let Ok(entry) = self.table.find_entry(hash, |entry| *entry == id) {
            entry.remove();
        }
    }

    fn hash(&self, key: &str) -> u64 {
        hash_key(&self.hasher, self.case, key)
    }

    fn equal(&self, left: &str, right: &str) -> bool {
        match self.case {
            Case::Exact => left == right,
            // ASCII keys, the usual case, compare without decoding characters.
            Case::Insensitive if left.is_ascii() && right.is_ascii() => left.eq_ignore_ascii_case(right),
            Case::Insensitive => lowercase(left).eq(lowercase(right)),
        }
    }
}

fn hash_key(hasher: &DefaultHashBuilder, case: Case, key: &str) -> u64 {
    let mut state = hasher.build_hasher();
    match case {
        Case::Exact => state.write(key.as_bytes()),
        Case::Insensitive => {
            // Lowercase bytes are written in 64-byte chunks, because one
            // `write` per character costs several times more. Equal keys
            // give equal byte streams, hence equal chunks, whether or not
            // they are ASCII ("K", the Kelvin sign, lowercases to "k").
            let mut chunks = ChunkedWriter::new(&mut state);
            if key.is_ascii() {
                key.bytes().for_each(|byte| chunks.push(byte.to_ascii_lowercase()));
            } else {
                let mut utf8 = [0u8; 4];
                for character in lowercase(key) {
                    character
                        .encode_utf8(&mut utf8)
                        .bytes()
                        .for_each(|byte| chunks.push(byte));
                }
            }
            chunks.finish();
        }
    }
    state.finish()
}

/// Feeds a hasher 64 bytes at a time.
struct ChunkedWriter<'h, H: Hasher> {
    state: &'h mut H,
    buffer: [u8; 64],
    filled: usize,
}

impl<'h, H: Hasher> ChunkedWriter<'h, H> {
    fn new(state: &'h mut H) -> Self {
        ChunkedWriter {
            state,
            buffer: [0; 64],
            filled: 0,
        }
    }

    fn push(&mut self, byte: u8) {
        self.buffer[self.filled] = byte;
        self.filled += 1;
        if self.filled == self.buffer.len() {
            self.state.write(&self.buffer);
            self.filled = 0;
        }
    }

    fn finish(self) {
        self.state.write(&self.buffer[..self.filled]);
    }
}

/// Folds the characters of `text` one by one, as [`super::fold`] does, so
/// an index and a folded key agree.
fn lowercase(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars().flat_map(char::to_lowercase).map(super::fold_final_sigma)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn records(names: &[&'static str]) -> HashMap<Uuid, &'static str> {
        names
            .iter()
            .enumerate()
            .map(|(index, name)| (Uuid::from_u128(index as u128), *name))
            .collect()
    }

    #[test]
    fn insensitive_lookup_ignores_case() {
        let keys = records(&["Ada@Example.com", "ΣΊΣΥΦΟΣ"]);
        let key_of = |id: &Uuid| keys[id];
        let mut index = TextIndex::new(Case::Insensitive);
        for (id, key) in &keys {
            index.insert(*id, key, key_of);
        }

        assert_eq!(index.get("ada@example.COM", key_of), Some(Uuid::from_u128(0)));
        for spelling in ["σίσυφος", "σίσυφοσ", "ΣΊΣΥΦΟΣ", "ςίςυφος"] {
            let folded = super::super::fold(spelling);
            assert_eq!(index.get(spelling, key_of), Some(Uuid::from_u128(1)), "{spelling}");
            assert_eq!(index.get(&folded, key_of), Some(Uuid::from_u128(1)), "{folded}");
        }
        assert_eq!(index.get("ada@example.org", key_of), None);
    }

    #[test]
    fn non_ascii_key_matches_ascii_lowercase() {
        let long = format!("{}K", "a".repeat(70));
        let keys: HashMap<Uuid, &str> = [
            (Uuid::from_u128(0), "\u{212A}elvin"),
            (Uuid::from_u128(1), long.as_str()),
        ]
        .into();
        let key_of = |id: &Uuid| keys[id];
        let mut index = TextIndex::new(Case::Insensitive);
        for (id, key) in &keys {
            index.insert(*id, key, key_of);
        }

        assert_eq!(index.get("kelvin", key_of), Some(Uuid::from_u128(0)));
        assert_eq!(
            index.get(&format!("{}\u{212A}", "A".repeat(70)), key_of),
            Some(Uuid::from_u128(1))
        );
    }

    #[test]
    fn exact_lookup_returns_every_match() {
        let keys = records(&["ext", "EXT", "ext"]);
        let key_of = |id: &Uuid| keys[id];
        let mut index = TextIndex::new(Case::Exact);
        for (id, key) in &keys {
            index.insert(*id, key, key_of);
        }

        let mut found = index.get_all("ext", key_of);
        found.sort();
        assert_eq!(found, [Uuid::from_u128(0), Uuid::from_u128(2)]);
        assert!(index.get_all("Ext", key_of).is_empty());
    }

    #[test]
    fn remove_drops_only_that_id() {
        let keys = records(&["same", "same"]);
        let key_of = |id: &Uuid| keys[id];
        let mut index = TextIndex::new(Case::Exact);
        index.insert(Uuid::from_u128(0), "same", key_of);
        index.insert(Uuid::from_u128(1), "same", key_of);
        index.insert(Uuid::from_u128(1), "same", key_of);

        index.remove(Uuid::from_u128(0), "same");
        assert_eq!(index.get_all("same", key_of), [Uuid::from_u128(1)]);
    }

    #[test]
    fn growth_keeps_every_key() {
        let names: Vec<String> = (0..5000)
            .map(|index| match index % 2 {
                0 => format!("User{index}@Example.com"),
                _ => format!("Ünïcödé{index}@Example.com"),
            })
            .collect();
        let keys: HashMap<Uuid, &str> = names
            .iter()
            .enumerate()
            .map(|(index, name)| (Uuid::from_u128(index as u128), name.as_str()))
            .collect();
        let key_of = |id: &Uuid| keys[id];
        let mut index = TextIndex::new(Case::Insensitive);
        for index_number in 0..names.len() {
            let id = Uuid::from_u128(index_number as u128);
            index.insert(id, keys[&id], key_of);
        }

        for (id, name) in &keys {
            assert_eq!(index.get(&name.to_uppercase(), key_of), Some(*id), "{name}");
        }
    }
}
