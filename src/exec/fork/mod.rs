//! Fork mode: the embedded EVM over the state of a real chain at one block. [`ForkDb`] is a
//! read-only revm database that fetches accounts, storage slots and block hashes from the node
//! the first time they are asked for, and remembers them; every scenario layers its own writes
//! over it in a fresh `CacheDB` (see [`RevmChain::over`](crate::exec::revm::RevmChain::over)).
//! [`Fork`] sets it up: it pins the block, loads the on-disk [`cache`], prefetches the accounts a
//! plan is known to touch, and writes the cache back at the end of a run.
//!
//! This module never prints: what it has to say (an unpinned block, a discarded cache file) is
//! handed back as warnings for the command to show, even when opening the fork then fails.

pub mod cache;
mod remote;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use alloy::primitives::{Address, B256, U256};
use revm::bytecode::Bytecode;
use revm::database_interface::{DBErrorMarker, DatabaseRef};
use revm::primitives::KECCAK_EMPTY;
use revm::primitives::hardfork::SpecId;
use revm::state::AccountInfo;

pub use self::cache::{CacheError, ForkBlock, ForkState, RemoteAccount};
use self::remote::{Remote, Wanted};
use crate::exec::jsonrpc::{RpcClient, RpcError, Traffic};
use crate::exec::revm::{BlockSettings, RevmChain};
use crate::exec::{RunSettings, run_plan};
use crate::plan::{Action, Plan, Target};

#[derive(Debug, thiserror::Error)]
pub enum ForkError {
    #[error("failed to fetch {what}")]
    Fetch {
        what: String,
        #[source]
        source: Box<RpcError>,
    },
    #[error("the node's answer for {what} is unusable: {reason}")]
    Unexpected { what: String, reason: String },
    /// There is no node to ask (an environment variable in `fork_url` is not set): said as such,
    /// without a request.
    #[error("{reason}, and {what} must come from the node")]
    NoNode { what: String, reason: String },
    #[error("block {block} is not known to `{url}`")]
    NoSuchBlock { block: u64, url: String },
    #[error("the code with hash {hash} was never fetched")]
    MissingCode { hash: B256 },
    #[error(transparent)]
    Client(Box<RpcError>),
}

impl DBErrorMarker for ForkError {}

/// Where to fork from.
#[derive(Debug, Clone)]
pub struct ForkOptions<'a> {
    /// The node URL, secrets included: only ever handed to the HTTP client. An error says why
    /// there is none (an environment variable that is not set); runs that find everything in
    /// the cache do not need it.
    pub url: Result<&'a str, &'a str>,
    /// The URL as messages, reports and the cache show it (credentials redacted).
    pub display_url: &'a str,
    /// The block to fork at; `None` resolves the latest block once.
    pub block: Option<u64>,
    pub cache_dir: &'a Path,
}

/// A fork, set up: the pinned block, its state source and its cache file.
pub struct Fork {
    db: ForkDb,
    cache_file: PathBuf,
    /// The state came from a cache file.
    from_cache: bool,
    /// That file needs no rewrite unless more is fetched.
    cache_current: bool,
}

/// Counts for the end-of-run summary and the benchmark.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ForkSummary {
    pub accounts: usize,
    pub slots: usize,
    pub fetched_accounts: usize,
    pub fetched_slots: usize,
    pub fetched_block_hashes: usize,
    pub traffic: Traffic,
    /// The node refused batched requests; calls went one per request.
    pub batches_rejected: bool,
}

impl Fork {
    /// Pins the block and loads what the cache holds for it. With a block given and a cache file
    /// written from the same URL, nothing is sent to the node; otherwise one request reads the
    /// chain id and the block header.
    ///
    /// What the caller should show (a cache file that failed its checks and was deleted, a block
    /// that differs from the node's) is pushed onto `warnings` as it happens, so it is there even
    /// when opening then fails.
    pub fn open(options: &ForkOptions<'_>, warnings: &mut Vec<String>) -> Result<Self, ForkError> {
        let client = match options.url {
            Ok(url) => Ok(RpcClient::new(url, options.display_url)
                .map_err(|error| ForkError::Client(Box::new(error)))?),
            Err(reason) => Err(reason.to_owned()),
        };
        let remote = Remote::new(client, options.display_url);
        let mut head = None;
        let block = match options.block {
            Some(block) => block,
            None => {
                let (chain_id, header) = remote.head(None)?;
                let number = header.number;
                head = Some((chain_id, header));
                number
            }
        };
        let scan = cache::scan(options.cache_dir, block);
        for (path, error) in &scan.rejected {
            warnings.push(format!(
                "discarding the fork cache `{}`: {error}; fetching the state again",
                path.display()
            ));
            // A file that failed its checks is never trusted again; the next write replaces it.
            let _ = std::fs::remove_file(path);
        }
        let mut states = scan.states;
        let from_same_source = head
            .is_none()
            .then(|| states.iter().position(|(_, state)| state.sources.contains(options.display_url)))
            .flatten();
        let (state, from_cache, cache_current) = match from_same_source {
            Some(index) => (states.swap_remove(index).1, true, true),
            None => {
                let (chain_id, header) = match head {
                    Some(head) => head,
                    None => remote.head(Some(block))?,
                };
                let same_chain = states.into_iter().find(|(_, state)| state.chain_id == chain_id);
                match same_chain {
                    Some((_, mut state)) if state.block == header => {
                        // Rewritten at the end only if this URL is new to it (or more is fetched).
                        let new_source = state.sources.insert(options.display_url.to_owned());
                        (state, true, !new_source)
                    }
                    Some((path, _)) => {
                        warnings.push(format!(
                            "discarding the fork cache `{}`: block {block} there differs from the node's (a reorganisation, or another chain with the same id); fetching the state again",
                            path.display()
                        ));
                        (new_state(chain_id, header, options.display_url), false, false)
                    }
                    None => (new_state(chain_id, header, options.display_url), false, false),
                }
            }
        };
        let cache_file = options.cache_dir.join(cache::file_name(state.chain_id, block));
        Ok(Self { db: ForkDb::new(remote, state), cache_file, from_cache, cache_current })
    }

    /// The database to layer scenarios over (clones share the fetched state).
    pub fn db(&self) -> ForkDb {
        self.db.clone()
    }

    pub fn chain_id(&self) -> u64 {
        self.db.state().chain_id
    }

    pub fn block(&self) -> ForkBlock {
        self.db.state().block.clone()
    }

    pub fn cache_file(&self) -> &Path {
        &self.cache_file
    }

    /// Whether the state came from a cache file.
    pub fn loaded_from_cache(&self) -> bool {
        self.from_cache
    }

    /// Fetches what `plan` will read before it runs, in a few batch requests instead of one
    /// request per account and slot as the run discovers them.
    ///
    /// First the accounts it is known to touch: senders, funded accounts, called addresses,
    /// libraries, the coinbase, and where its deployments will land (which depends on the
    /// senders' nonces, hence a second batch). Then dry runs: every scenario runs over the fork
    /// with reads of unknown state answered by defaults and recorded instead of fetched; what
    /// was recorded is fetched in one go, and the next round, seeing the real values, finds what
    /// they lead to. A few rounds settle it; whatever is left the run itself fetches lazily. The
    /// dry runs' outcomes are discarded, and the real run reads only fetched state, so the report
    /// is the same as without them.
    pub fn prefetch(&self, plan: &Plan, evm: &DryRun) -> Result<(), ForkError> {
        let mut known = plan_addresses(plan);
        known.insert(evm.block.coinbase);
        self.db.fetch_missing(Wanted { accounts: known, ..Wanted::default() })?;
        let nonces = |address: Address| self.db.cached_account(address).map_or(0, |account| account.nonce);
        let created = deployment_addresses(plan, nonces);
        self.db.fetch_missing(Wanted { accounts: created, ..Wanted::default() })?;
        for _ in 0..DRY_RUNS {
            let wanted = self.db.dry_run(plan, evm);
            if wanted.is_empty() {
                break;
            }
            self.db.fetch_missing(wanted)?;
        }
        Ok(())
    }

    pub fn summary(&self) -> ForkSummary {
        let state = self.db.state();
        ForkSummary {
            accounts: state.accounts.len(),
            slots: state.slot_count(),
            fetched_accounts: self.db.shared.fetched_accounts.load(Ordering::Relaxed),
            fetched_slots: self.db.shared.fetched_slots.load(Ordering::Relaxed),
            fetched_block_hashes: self.db.shared.fetched_block_hashes.load(Ordering::Relaxed),
            traffic: self.db.shared.remote.connected().map(RpcClient::traffic).unwrap_or_default(),
            batches_rejected: self.db.shared.remote.connected().is_some_and(RpcClient::batches_rejected),
        }
    }

    /// Writes the cache file if this run fetched anything or the file is new; returns it then.
    pub fn save(&self) -> anyhow::Result<Option<&Path>> {
        let summary = self.summary();
        let fetched = summary.fetched_accounts + summary.fetched_slots + summary.fetched_block_hashes;
        if self.cache_current && fetched == 0 {
            return Ok(None);
        }
        let bytes = cache::encode(&self.db.state());
        crate::fsutil::write_atomic(&self.cache_file, &bytes)?;
        Ok(Some(&self.cache_file))
    }
}

fn new_state(chain_id: u64, block: ForkBlock, source: &str) -> ForkState {
    let mut state = ForkState::new(chain_id, block);
    state.sources.insert(source.to_owned());
    state
}

/// What an account the node does not know looks like (and what a dry run assumes).
const EMPTY_ACCOUNT: RemoteAccount = RemoteAccount { balance: U256::ZERO, nonce: 0, code_hash: KECCAK_EMPTY };

/// A read-only revm database over the forked chain: answers from what was fetched (or loaded
/// from the cache) and fetches the rest from the node at the pinned block. Clones share state.
#[derive(Clone)]
pub struct ForkDb {
    shared: Arc<Shared>,
}

struct Shared {
    remote: Remote,
    state: Mutex<ForkState>,
    /// Analysed code, so that jump tables are built once per contract, not once per scenario.
    bytecodes: Mutex<HashMap<B256, Bytecode>>,
    /// During a dry run: unknown state is recorded here and answered with a default.
    dry_run: Mutex<Option<Wanted>>,
    /// Held while a fetch is in flight, so that scenarios running on several threads that miss
    /// the same state ask the node for it once: the second waits, then finds it fetched.
    fetching: Mutex<()>,
    fetched_accounts: AtomicUsize,
    fetched_slots: AtomicUsize,
    fetched_block_hashes: AtomicUsize,
}

/// At most this many dry runs before the real one (each costs one round of requests).
const DRY_RUNS: usize = 6;

/// What a dry run of the plan executes with: the real run's settings.
#[derive(Debug, Clone)]
pub struct DryRun {
    pub spec: SpecId,
    pub chain_id: u64,
    pub block: BlockSettings,
    pub settings: RunSettings,
}

impl ForkDb {
    fn new(remote: Remote, state: ForkState) -> Self {
        Self {
            shared: Arc::new(Shared {
                remote,
                state: Mutex::new(state),
                bytecodes: Mutex::new(HashMap::new()),
                dry_run: Mutex::new(None),
                fetching: Mutex::new(()),
                fetched_accounts: AtomicUsize::new(0),
                fetched_slots: AtomicUsize::new(0),
                fetched_block_hashes: AtomicUsize::new(0),
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, ForkState> {
        // Only a panic elsewhere poisons the lock; the maps are still consistent (every insert
        // is a single call).
        self.shared.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn dry_run_record(&self) -> MutexGuard<'_, Option<Wanted>> {
        self.shared.dry_run.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn block_number(&self) -> u64 {
        self.state().block.number
    }

    fn cached_account(&self, address: Address) -> Option<RemoteAccount> {
        self.state().accounts.get(&address).copied()
    }

    /// Runs every scenario of `plan` over the fork without fetching, and returns the unknown
    /// state it read. Scenarios run one by one, so that one stopping early (a default balance
    /// makes a step revert) does not hide the others.
    fn dry_run(&self, plan: &Plan, evm: &DryRun) -> Wanted {
        *self.dry_run_record() = Some(Wanted::default());
        for scenario in &plan.scenarios {
            let single = Plan {
                scenarios: vec![scenario.clone()],
                accounts: plan.accounts.clone(),
                libraries: plan.libraries.clone(),
            };
            let mut chain = RevmChain::over(self.clone(), evm.spec, evm.chain_id, evm.block.clone());
            // Outcomes over defaults mean nothing; only the reads count.
            let _ = run_plan(&single, &mut chain, evm.settings, &[], || {});
        }
        self.dry_run_record().take().unwrap_or_default()
    }

    /// Fetches what of `wanted` is not known yet, all in one go.
    fn fetch_missing(&self, mut wanted: Wanted) -> Result<(), ForkError> {
        let _fetching = self.shared.fetching.lock().unwrap_or_else(PoisonError::into_inner);
        {
            let state = self.state();
            wanted.accounts.retain(|address| !state.accounts.contains_key(address));
            wanted.slots.retain(|(address, slot)| {
                !state.storage.get(address).is_some_and(|slots| slots.contains_key(slot))
            });
            wanted.block_hashes.retain(|number| !state.block_hashes.contains_key(number));
        }
        if wanted.is_empty() {
            return Ok(());
        }
        let block = self.block_number();
        let fetched = self.shared.remote.fetch(&wanted, block)?;
        let mut state = self.state();
        for (address, account, code) in fetched.accounts {
            if !code.is_empty() {
                state.codes.insert(account.code_hash, code);
            }
            state.accounts.insert(address, account);
            self.shared.fetched_accounts.fetch_add(1, Ordering::Relaxed);
        }
        for (address, slot, value) in fetched.slots {
            state.storage.entry(address).or_default().insert(slot, value);
            self.shared.fetched_slots.fetch_add(1, Ordering::Relaxed);
        }
        for (number, hash) in fetched.block_hashes {
            state.block_hashes.insert(number, hash);
            self.shared.fetched_block_hashes.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Unknown state: recorded during a dry run (and `None` returned), fetched otherwise.
    fn unknown(&self, wanted: Wanted) -> Result<bool, ForkError> {
        if let Some(record) = self.dry_run_record().as_mut() {
            record.accounts.extend(wanted.accounts);
            record.slots.extend(wanted.slots);
            record.block_hashes.extend(wanted.block_hashes);
            return Ok(false);
        }
        self.fetch_missing(wanted)?;
        Ok(true)
    }

    fn account(&self, address: Address) -> Result<RemoteAccount, ForkError> {
        if let Some(account) = self.cached_account(address) {
            return Ok(account);
        }
        if !self.unknown(Wanted { accounts: [address].into(), ..Wanted::default() })? {
            return Ok(EMPTY_ACCOUNT);
        }
        self.cached_account(address).ok_or_else(|| ForkError::Unexpected {
            what: format!("account `{}`", address.to_checksum(None)),
            reason: "no answer".into(),
        })
    }

    fn bytecode(&self, code_hash: B256) -> Result<Bytecode, ForkError> {
        if code_hash == KECCAK_EMPTY {
            return Ok(Bytecode::default());
        }
        let mut bytecodes = self.shared.bytecodes.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(code) = bytecodes.get(&code_hash) {
            return Ok(code.clone());
        }
        let raw =
            self.state().codes.get(&code_hash).cloned().ok_or(ForkError::MissingCode { hash: code_hash })?;
        // Code from the node is input: malformed EIP-7702 designators run as plain bytes instead
        // of panicking.
        let code = Bytecode::new_raw_checked(raw.clone()).unwrap_or_else(|_| Bytecode::new_legacy(raw));
        bytecodes.insert(code_hash, code.clone());
        Ok(code)
    }
}

impl DatabaseRef for ForkDb {
    type Error = ForkError;

    fn basic_ref(&self, address: Address) -> Result<Option<AccountInfo>, ForkError> {
        let account = self.account(address)?;
        if account.balance.is_zero() && account.nonce == 0 && account.code_hash == KECCAK_EMPTY {
            // As on a fresh chain: an empty account does not exist (EIP-161), and its storage
            // need not be asked for.
            return Ok(None);
        }
        let code = self.bytecode(account.code_hash)?;
        Ok(Some(AccountInfo::new(account.balance, account.nonce, account.code_hash, code)))
    }

    fn code_by_hash_ref(&self, code_hash: B256) -> Result<Bytecode, ForkError> {
        self.bytecode(code_hash)
    }

    fn storage_ref(&self, address: Address, index: U256) -> Result<U256, ForkError> {
        {
            let state = self.state();
            if let Some(value) = state.storage.get(&address).and_then(|slots| slots.get(&index)) {
                return Ok(*value);
            }
            // Only code writes storage: an account without code has none.
            if state.accounts.get(&address).is_some_and(|account| account.code_hash == KECCAK_EMPTY) {
                return Ok(U256::ZERO);
            }
        }
        if !self.unknown(Wanted { slots: [(address, index)].into(), ..Wanted::default() })? {
            return Ok(U256::ZERO);
        }
        let state = self.state();
        Ok(state.storage.get(&address).and_then(|slots| slots.get(&index)).copied().unwrap_or_default())
    }

    fn block_hash_ref(&self, number: u64) -> Result<B256, ForkError> {
        {
            let state = self.state();
            if number == state.block.number {
                return Ok(state.block.hash);
            }
            // A block after the fork (a config that sets `block_number` past it) has no hash
            // the node could know.
            if number > state.block.number {
                return Ok(B256::ZERO);
            }
            if let Some(hash) = state.block_hashes.get(&number) {
                return Ok(*hash);
            }
        }
        if !self.unknown(Wanted { block_hashes: [number].into(), ..Wanted::default() })? {
            return Ok(B256::ZERO);
        }
        Ok(self.state().block_hashes.get(&number).copied().unwrap_or_default())
    }
}

/// Addresses a plan certainly touches, whatever the state: senders, funded accounts, called
/// addresses and configured libraries.
pub fn plan_addresses(plan: &Plan) -> BTreeSet<Address> {
    let mut addresses = BTreeSet::new();
    addresses.extend(plan.libraries.values().copied());
    for scenario in &plan.scenarios {
        addresses.extend(scenario.balances.iter().map(|(address, _)| *address));
        for step in &scenario.steps {
            addresses.insert(step.from);
            if let Action::Call { target: Target::Address(address), .. } = &step.action {
                addresses.insert(*address);
            }
        }
    }
    addresses
}

/// Where a plan's deployments land (CREATE addresses follow each sender's nonce, and every
/// scenario starts again from the fork's nonces), given the senders' nonces at the fork.
pub fn deployment_addresses(plan: &Plan, nonce_at_fork: impl Fn(Address) -> u64) -> BTreeSet<Address> {
    let mut addresses = BTreeSet::new();
    for scenario in &plan.scenarios {
        let mut nonces: BTreeMap<Address, u64> = BTreeMap::new();
        for step in &scenario.steps {
            let nonce = nonces.entry(step.from).or_insert_with(|| nonce_at_fork(step.from));
            for _ in 0..step.repeat {
                if matches!(step.action, Action::Deploy { .. }) {
                    addresses.insert(step.from.create(*nonce));
                }
                *nonce += 1;
            }
        }
    }
    addresses
}
