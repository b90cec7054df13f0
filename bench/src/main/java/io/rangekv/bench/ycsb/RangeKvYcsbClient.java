package io.rangekv.bench.ycsb;

import io.rangekv.client.CasResult;
import io.rangekv.client.KvClient;
import io.rangekv.client.KvClientConfig;
import io.rangekv.client.KvPair;
import io.rangekv.client.ScanOptions;
import io.rangekv.config.Settings;
import io.rangekv.error.KvException;
import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.ReadConsistency;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import site.ycsb.ByteArrayByteIterator;
import site.ycsb.ByteIterator;
import site.ycsb.DB;
import site.ycsb.DBException;
import site.ycsb.Status;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.Vector;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The YCSB binding: {@code site.ycsb.Client -db io.rangekv.bench.ycsb.RangeKvYcsbClient} drives a running RangeKV
 * cluster through {@link KvClient} (docs/ycsb.md). Record {@code key} of table {@code t} is the RangeKV key
 * {@code t/key}; its fields are one value ({@link RecordCodec}).
 *
 * <p>Properties: {@code rangekv.pd} (PD RPC addresses, comma-separated; default {@value #DEFAULT_PD}, the
 * playground's), {@code rangekv.read-consistency} ({@code linearizable}, {@code lease}, {@code follower} or
 * {@code stale}; default linearizable) for reads and scans, {@code rangekv.request-timeout} (each operation's
 * deadline, retries included; default 10s).
 *
 * <p>Operations: read is a get, insert a put of the whole record, delete a delete, scan a range scan from the
 * start key to the end of the table. Update merges the given fields into the stored record with a compare-and-put,
 * retried from the value the failed compare returned, so concurrent updates of one record never lose each
 * other's fields. A missing record is {@code NOT_FOUND} for read and update; any error the client reports is
 * {@code ERROR} (logged once per error kind; YCSB counts them per operation).
 *
 * <p><b>Concurrency</b>: YCSB makes one instance per client thread and calls {@link #init()} on each from its own
 * thread. Instances with the same settings share one {@link KvClient} (it is thread-safe and meant to be one per
 * application: its own threads, connections and route cache); the last {@link #cleanup()} closes it.
 */
public final class RangeKvYcsbClient extends DB {
    static final String DEFAULT_PD = "127.0.0.1:2379";
    /** Compare-and-put rounds one update may lose to concurrent writers of the same record before it gives up. */
    private static final int MAX_UPDATE_ATTEMPTS = 16;

    private static final Logger LOG = LoggerFactory.getLogger(RangeKvYcsbClient.class);
    private static final Set<String> LOGGED_FAILURES = ConcurrentHashMap.newKeySet();
    private static final Object SHARED_LOCK = new Object();
    /** Guarded by SHARED_LOCK. */
    private static Shared shared;

    /** What init() reads from the YCSB properties. */
    record ClientSettings(List<String> pd, ReadConsistency consistency, Duration requestTimeout) {
    }

    /** The one client of this JVM's YCSB threads and how many of them hold it. Guarded by SHARED_LOCK. */
    private static final class Shared {
        final ClientSettings settings;
        final KvClient client;
        int users;

        Shared(ClientSettings settings, KvClient client) {
            this.settings = settings;
            this.client = client;
        }
    }

    private KvClient client;
    private ReadConsistency consistency;

    @Override
    public void init() throws DBException {
        ClientSettings settings = settings(getProperties());
        consistency = settings.consistency();
        synchronized (SHARED_LOCK) {
            if (shared == null) {
                try {
                    shared = new Shared(settings, KvClient.connect(
                            KvClientConfig.DEFAULTS.withRequestTimeout(settings.requestTimeout()), settings.pd()));
                } catch (RuntimeException e) {
                    throw new DBException("cannot create a RangeKV client for PD " + settings.pd(), e);
                }
            } else if (!shared.settings.equals(settings)) {
                throw new DBException("one JVM runs one RangeKV client: " + settings + " differs from "
                        + shared.settings);
            }
            shared.users++;
            client = shared.client;
        }
    }

    static ClientSettings settings(Properties properties) throws DBException {
        Map<String, String> values = new HashMap<>();
        properties.stringPropertyNames().forEach(name -> values.put(name, properties.getProperty(name)));
        Settings s = new Settings(values);
        try {
            List<String> pd = Arrays.stream(s.getString("rangekv.pd", DEFAULT_PD).split(","))
                    .map(String::trim).filter(a -> !a.isEmpty()).toList();
            if (pd.isEmpty()) {
                throw new IllegalArgumentException("rangekv.pd names no address");
            }
            String level = s.getString("rangekv.read-consistency", "linearizable");
            ReadConsistency consistency;
            try {
                consistency = ReadConsistency.valueOf(level.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("rangekv.read-consistency: '" + level
                        + "' is not linearizable, lease, follower or stale");
            }
            Duration timeout = s.getDuration("rangekv.request-timeout", KvClientConfig.DEFAULTS.requestTimeout());
            return new ClientSettings(pd, consistency, timeout);
        } catch (IllegalArgumentException e) {
            throw new DBException(e.getMessage(), e);
        }
    }

    @Override
    public void cleanup() throws DBException {
        synchronized (SHARED_LOCK) {
            if (client == null) {
                return;
            }
            client = null;
            if (--shared.users == 0) {
                try {
                    shared.client.close();
                } finally {
                    shared = null;
                }
            }
        }
    }

    static Key key(String table, String key) {
        return Key.wrap((table + "/" + key).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public Status read(String table, String key, Set<String> fields, Map<String, ByteIterator> result) {
        try {
            Optional<byte[]> record = client.get(key(table, key), consistency);
            if (record.isEmpty()) {
                return Status.NOT_FOUND;
            }
            RecordCodec.decode(record.get(), fields).forEach((f, v) -> result.put(f, new ByteArrayByteIterator(v)));
            return Status.OK;
        } catch (RuntimeException e) {
            return failed("read", e);
        }
    }

    @Override
    public Status scan(String table, String startKey, int recordCount, Set<String> fields,
                       Vector<HashMap<String, ByteIterator>> result) {
        try {
            Key tableEnd = ScanOptions.prefix(Key.of(table + "/")).range().end();
            List<KvPair> pairs = client.scan(new ScanOptions(new KeyRange(key(table, startKey), tableEnd),
                    recordCount, false, false, consistency));
            for (KvPair pair : pairs) {
                HashMap<String, ByteIterator> row = new HashMap<>();
                RecordCodec.decode(pair.value(), fields).forEach((f, v) -> row.put(f, new ByteArrayByteIterator(v)));
                result.add(row);
            }
            return Status.OK;
        } catch (RuntimeException e) {
            return failed("scan", e);
        }
    }

    @Override
    public Status update(String table, String key, Map<String, ByteIterator> values) {
        try {
            Key k = key(table, key);
            Map<String, byte[]> updates = bytes(values);
            Optional<byte[]> current = client.get(k, ReadConsistency.LINEARIZABLE);
            for (int attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
                if (current.isEmpty()) {
                    return Status.NOT_FOUND;
                }
                CasResult cas = client.compareAndPut(k, current.get(), RecordCodec.merge(current.get(), updates));
                if (cas.succeeded()) {
                    return Status.OK;
                }
                current = cas.previous();
            }
            return failed("update", new IllegalStateException("lost " + MAX_UPDATE_ATTEMPTS
                    + " compare-and-put rounds in a row to other writers of " + k));
        } catch (RuntimeException e) {
            return failed("update", e);
        }
    }

    @Override
    public Status insert(String table, String key, Map<String, ByteIterator> values) {
        try {
            client.put(key(table, key), RecordCodec.encode(bytes(values)));
            return Status.OK;
        } catch (RuntimeException e) {
            return failed("insert", e);
        }
    }

    @Override
    public Status delete(String table, String key) {
        try {
            client.delete(key(table, key));
            return Status.OK;
        } catch (RuntimeException e) {
            return failed("delete", e);
        }
    }

    private static Map<String, byte[]> bytes(Map<String, ByteIterator> values) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        values.forEach((field, value) -> out.put(field, value.toArray()));
        return out;
    }

    /** ERROR, logging the first failure of each operation and kind (YCSB's report counts every one). */
    private static Status failed(String operation, RuntimeException e) {
        String kind = e instanceof KvException kv ? kv.kind().name() : e.getClass().getSimpleName();
        if (LOGGED_FAILURES.add(operation + "/" + kind)) {
            LOG.warn("{} failed ({}): {} (further {} failures of this kind are counted, not logged)", operation,
                    kind, e.getMessage(), operation);
        }
        return Status.ERROR;
    }
}
