//! Reading a CSV input, format-agnostic: the header row, then one record at a time into one
//! reused buffer (constant memory), with the problems of shape every format shares: an empty
//! file, unknown or repeated columns, a row whose field count is not the header's (a quoting
//! error shows up here: an unclosed quote swallows the following lines into one field), and
//! text that is not UTF-8. A UTF-8 byte-order mark is skipped (by the `csv` crate).

use super::Problem;
use std::cell::Cell;
use std::io::Read;
use std::rc::Rc;

/// The rows of a CSV file after its header.
pub(crate) struct CsvRows<R: Read> {
    reader: csv::Reader<QuoteCounter<R>>,
    record: csv::ByteRecord,
    header: Vec<String>,
    quotes: Rc<Cell<u64>>,
    /// The line and column of the last record's value spanning lines, if it had one.
    last_multiline: Option<(u64, String)>,
    /// Whether a record followed the header.
    any_row: bool,
}

/// Counts the `"` of everything read: a well-quoted file has an even number of them.
struct QuoteCounter<R> {
    inner: R,
    quotes: Rc<Cell<u64>>,
}

impl<R: Read> Read for QuoteCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let found = buf[..n].iter().filter(|b| **b == b'"').count() as u64;
        self.quotes.set(self.quotes.get() + found);
        Ok(n)
    }
}

/// The column indexes of a header, by the position of each name in the format's list of
/// known columns.
pub(crate) type Columns = Vec<Option<usize>>;

impl<R: Read> CsvRows<R> {
    /// Reads the header and maps it onto `known` (the format's column names, exact case).
    /// `Ok(None)` when the file is unusable (empty, or a bad header): the problems are reported.
    pub(crate) fn open(
        input: R,
        known: &[&str],
        on_problem: &mut dyn FnMut(Problem),
    ) -> Result<Option<(Self, Columns)>, std::io::Error> {
        let quotes = Rc::new(Cell::new(0));
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            // Field counts are checked here, to name the line and column.
            .flexible(true)
            .from_reader(QuoteCounter { inner: input, quotes: quotes.clone() });
        let mut record = csv::ByteRecord::new();
        if !read(&mut reader, &mut record)? {
            on_problem(Problem::new(1, "header", "the file is empty: it needs a header row"));
            return Ok(None);
        }
        let line = record.position().map_or(1, |p| p.line());
        let mut columns: Columns = vec![None; known.len()];
        let mut header = Vec::with_capacity(record.len());
        let mut bad = false;
        for (index, raw) in record.iter().enumerate() {
            let Ok(name) = std::str::from_utf8(raw) else {
                on_problem(Problem::new(line, format!("column {}", index + 1), "is not UTF-8"));
                bad = true;
                header.push(String::new());
                continue;
            };
            let name = name.trim_start_matches('\u{feff}').trim();
            match known.iter().position(|k| *k == name) {
                Some(k) if columns[k].is_some() => {
                    on_problem(Problem::new(line, name, "is named twice in the header"));
                    bad = true;
                }
                Some(k) => columns[k] = Some(index),
                None => {
                    on_problem(Problem::new(
                        line,
                        if name.is_empty() { format!("column {}", index + 1) } else { name.into() },
                        format!("is not a known column (known: {})", known.join(", ")),
                    ));
                    bad = true;
                }
            }
            header.push(name.to_owned());
        }
        if bad {
            return Ok(None);
        }
        Ok(Some((
            Self { reader, record, header, quotes, last_multiline: None, any_row: false },
            columns,
        )))
    }

    /// The next record, or `None` at the end of the file.
    pub(crate) fn next_row(&mut self) -> Result<Option<Row<'_>>, std::io::Error> {
        if !read(&mut self.reader, &mut self.record)? {
            return Ok(None);
        }
        self.any_row = true;
        let line = self.record.position().map_or(0, |p| p.line());
        // (A record of the wrong length is reported by `check_shape` already.)
        let multiline = (self.record.len() == self.header.len())
            .then(|| self.record.iter().position(|f| f.contains(&b'\n') || f.contains(&b'\r')))
            .flatten();
        self.last_multiline =
            multiline.map(|i| (line, self.header.get(i).cloned().unwrap_or_default()));
        Ok(Some(Row { line, record: &self.record, header: &self.header }))
    }

    /// At the end of the file: a quote opened and never closed has run to the end of the file,
    /// swallowing the lines after it into the last record's value (its field count may well
    /// be right); an odd number of quotes in the file gives it away. A header with no rows
    /// after it is a problem too: there is nothing `to` do.
    pub(crate) fn finish(&self, to: &str, on_problem: &mut dyn FnMut(Problem)) {
        if let (Some((line, field)), true) = (&self.last_multiline, self.quotes.get() % 2 == 1) {
            on_problem(Problem::new(
                *line,
                field.clone(),
                "opens a quote that is never closed: the value runs to the end of the file",
            ));
        }
        if !self.any_row {
            on_problem(Problem::new(
                self.reader.position().line().max(2),
                "header",
                format!("the file has a header but no rows: nothing to {to}"),
            ));
        }
    }
}

fn read<R: Read>(
    reader: &mut csv::Reader<R>,
    record: &mut csv::ByteRecord,
) -> Result<bool, std::io::Error> {
    reader.read_byte_record(record).map_err(|e| match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => std::io::Error::other(format!("{other:?}")),
    })
}

/// One record of the file, borrowed from the reader's buffer.
pub(crate) struct Row<'a> {
    /// Its (first) line.
    pub line: u64,
    record: &'a csv::ByteRecord,
    header: &'a [String],
}

impl Row<'_> {
    /// Reports the problems of shape (field count, UTF-8); `false` if there were any, and the
    /// row's values must not be read.
    pub(crate) fn check_shape(&self, on_problem: &mut dyn FnMut(Problem)) -> bool {
        let (got, want) = (self.record.len(), self.header.len());
        if got != want {
            let broken = self.record.iter().position(|f| f.contains(&b'\n') || f.contains(&b'\r'));
            let problem = match broken {
                Some(index) => Problem::new(
                    self.line,
                    self.header.get(index).cloned().unwrap_or_default(),
                    format!(
                        "opens a quote that is not closed on its line (the quoted value runs \
                         over the following lines); the row has {got} field(s), the header {want}"
                    ),
                ),
                None if got < want => Problem::new(
                    self.line,
                    self.header[got].clone(),
                    format!("is missing: the row has {got} field(s), the header {want}"),
                ),
                None => Problem::new(
                    self.line,
                    format!("column {}", want + 1),
                    format!("is beyond the header: the row has {got} field(s), the header {want}"),
                ),
            };
            on_problem(problem);
            return false;
        }
        let mut ok = true;
        for (index, raw) in self.record.iter().enumerate() {
            if std::str::from_utf8(raw).is_err() {
                on_problem(Problem::new(self.line, self.header[index].clone(), "is not UTF-8"));
                ok = false;
            }
        }
        ok
    }

    /// The cell at `index` (a column the header has), `None` when blank (empty or spaces).
    /// Call after [`Row::check_shape`] passed.
    pub(crate) fn cell(&self, index: Option<usize>) -> Option<&str> {
        let text = std::str::from_utf8(self.record.get(index?)?).ok()?;
        (!text.trim().is_empty()).then_some(text)
    }
}
