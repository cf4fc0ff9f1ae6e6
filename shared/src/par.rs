//! Work on independent items (tickets: loading, checking, summarising), spread over the
//! machine's cores with scoped threads, results in the items' order. Few items stay on the
//! calling thread: a thread costs more than a small batch.

/// Fewer items than this are worked on the calling thread.
pub const PARALLEL_FROM: usize = 16;

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// `work` on every item, in order.
pub fn map<T: Sync, R: Send>(items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let cores = cores();
    if cores == 1 || items.len() < PARALLEL_FROM {
        return items.iter().map(work).collect();
    }
    let share = items.len().div_ceil(cores);
    std::thread::scope(|scope| {
        let running: Vec<_> = items
            .chunks(share)
            .map(|chunk| scope.spawn(|| chunk.iter().map(&work).collect::<Vec<R>>()))
            .collect();
        running
            .into_iter()
            .flat_map(|thread| thread.join().expect("the work does not panic"))
            .collect()
    })
}

/// `work` on contiguous shares of the items, one share a core (for work that keeps state
/// across items, such as a cache); the shares' results in order.
pub fn shares<T: Send, R: Send>(items: Vec<T>, work: impl Fn(Vec<T>) -> R + Sync) -> Vec<R> {
    let cores = cores();
    if cores == 1 || items.len() < PARALLEL_FROM {
        return vec![work(items)];
    }
    let share = items.len().div_ceil(cores);
    let mut split: Vec<Vec<T>> = Vec::new();
    let mut rest = items.into_iter();
    loop {
        let next: Vec<T> = rest.by_ref().take(share).collect();
        if next.is_empty() {
            break;
        }
        split.push(next);
    }
    std::thread::scope(|scope| {
        let running: Vec<_> = split
            .into_iter()
            .map(|share| scope.spawn(|| work(share)))
            .collect();
        running
            .into_iter()
            .map(|thread| thread.join().expect("the work does not panic"))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_the_items_order_however_they_are_split() {
        for n in [0, 1, 15, 16, 17, 1000] {
            let items: Vec<u32> = (0..n).collect();
            assert_eq!(
                super::map(&items, |i| i * 2),
                items.iter().map(|i| i * 2).collect::<Vec<_>>()
            );
            let joined: Vec<u32> = super::shares(items.clone(), |share| share).concat();
            assert_eq!(joined, items);
        }
    }
}
