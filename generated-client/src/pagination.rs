//! Walking every page of a paginated list, lazily.
//!
//! [`stream()`] yields every record of every page and [`pages()`] every page. Both fetch page
//! `n + 1` only once everything of page `n` has been consumed, so at most one page is in
//! memory; both stop after the page whose `current_page >= total_pages` (or after an empty
//! page), and both end right after yielding an error.
//!
//! The streams are boxed ([`RecordStream`], [`PageStream`]): they are nameable, `Send`,
//! `'static` and `Unpin`, so `try_next().await` works on them without pinning.

use std::future::Future;
use std::pin::Pin;

use futures::stream::{self, Stream, StreamExt, TryStreamExt};

use crate::envelope::Page;
use crate::error::Result;

/// A stream of the records of every page (see [`stream()`]).
pub type RecordStream<T> = Pin<Box<dyn Stream<Item = Result<T>> + Send + 'static>>;

/// A stream of every page (see [`pages()`]).
pub type PageStream<T> = Pin<Box<dyn Stream<Item = Result<Page<T>>> + Send + 'static>>;

enum State<F> {
    Next { fetch: F, page: u32 },
    Done,
}

/// Every page, starting at `first_page`: `fetch(n)` is called for page `n` when the stream is
/// polled past page `n - 1`. The stream ends after a page with `current_page >= total_pages`,
/// an empty page, or an error (which is yielded once).
pub fn pages<T, F, Fut>(first_page: u32, fetch: F) -> PageStream<T>
where
    F: FnMut(u32) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<T>>> + Send + 'static,
    T: Send + 'static,
{
    let state = State::Next {
        fetch,
        page: first_page,
    };
    stream::unfold(state, |state| async move {
        let State::Next { mut fetch, page } = state else {
            return None;
        };
        match fetch(page).await {
            Ok(p) => {
                // Stop on the server's word, and also when the requested page number has
                // reached the total, so that a server repeating `currentPage` cannot loop us.
                let last = p.is_last() || page >= p.total_pages;
                let next = match page.checked_add(1) {
                    Some(page) if !last => State::Next { fetch, page },
                    _ => State::Done,
                };
                Some((Ok(p), next))
            }
            Err(e) => Some((Err(e), State::Done)),
        }
    })
    // Fused: polling again after the end yields `None` again instead of panicking.
    .fuse()
    .boxed()
}

/// Every record of every page, in order, starting at `first_page` (see [`pages()`]).
pub fn stream<T, F, Fut>(first_page: u32, fetch: F) -> RecordStream<T>
where
    F: FnMut(u32) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<T>>> + Send + 'static,
    T: Send + 'static,
{
    pages(first_page, fetch)
        .map_ok(|page| stream::iter(page.data.into_iter().map(Ok)))
        .try_flatten()
        .fuse()
        .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use std::sync::{Arc, Mutex};

    fn page(n: u32, total: u32, per: u32) -> Page<u32> {
        Page {
            type_name: None,
            data: (0..per).map(|i| (n - 1) * per + i).collect(),
            current_page: n,
            total_pages: total,
            total_count: u64::from(total * per),
            meta: None,
        }
    }

    fn block_on<F: Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn yields_every_record_once_and_lazily() {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let seen = calls.clone();
        let mut s = stream(1, move |n| {
            seen.lock().unwrap().push(n);
            async move { Ok(page(n, 3, 2)) }
        });
        block_on(async {
            assert_eq!(s.try_next().await.unwrap(), Some(0));
            assert_eq!(*calls.lock().unwrap(), vec![1]);
            let rest: Vec<u32> = s.try_collect().await.unwrap();
            assert_eq!(rest, vec![1, 2, 3, 4, 5]);
        });
        assert_eq!(*calls.lock().unwrap(), vec![1, 2, 3]);
    }

    #[test]
    fn stops_on_an_empty_page_and_after_an_error() {
        let s = pages(1, |n| async move {
            Ok(Page {
                data: Vec::<u32>::new(),
                ..page(n, 10, 0)
            })
        });
        assert_eq!(block_on(s.collect::<Vec<_>>()).len(), 1);

        let s = stream(1, |n| async move {
            if n == 2 {
                Err(Error::encode("boom"))
            } else {
                Ok(page(n, 3, 1))
            }
        });
        let items = block_on(s.collect::<Vec<_>>());
        assert_eq!(items.len(), 2);
        assert!(matches!(items[0], Ok(0)));
        assert!(items[1].is_err());
    }

    #[test]
    fn a_server_repeating_its_page_number_cannot_loop() {
        let s = stream(1, |_| async { Ok(page(1, 2, 1)) });
        assert_eq!(block_on(s.try_collect::<Vec<_>>()).unwrap(), vec![0, 0]);
    }
}
