/*
 * civitrace.en._native: the GAEN matching hot loop, in C over OpenSSL's libcrypto.
 *
 * For every downloaded Temporary Exposure Key (TEK):
 *     RPIK  = HKDF-SHA256(IKM = TEK, salt = none, info = "EN-RPIK", L = 16)
 *     RPI_j = AES-128-ECB(RPIK, "EN-RPI" || 6 zero bytes || uint32-LE(start + j))
 * for j in 0 .. period - 1, and every RPI_j is looked up among the RPIs the device observed.
 *
 * Python contract (civitrace/en/_native.pyi; civitrace.en.fast wraps it):
 *     match(teks, starts, periods, observed) -> list[tuple[int, int, int]]
 *     derive_rpis(teks, starts, periods) -> bytes
 * Every argument is a C-contiguous bytes-like object (bytes, bytearray, memoryview, array...):
 *     teks      16 * n bytes, the n keys back to back;
 *     starts    n rolling start interval numbers, each a little-endian uint32 (4 * n bytes);
 *     periods   n rolling periods, little-endian uint32 in 1..144 (4 * n bytes);
 *     observed  16 * m bytes, the observed RPIs back to back (meant to be distinct; when one
 *               repeats, its last index is reported, as a dict built from the list would).
 * match returns (key index, interval number, observed index) per derived RPI that was observed,
 * ordered by key, then interval. derive_rpis returns every RPI, key by key, interval by
 * interval. Bad lengths or windows raise ValueError naming the culprit. The GIL is released
 * around the crypto loop, so callers may spread keys over threads.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/*
 * SHA256_Init/Update/Final are deprecated since OpenSSL 3.0 but still built by default. They are
 * used on purpose: HKDF costs six SHA-256 compressions per key, and the low-level API lets the
 * HMAC states of the all-zero HKDF salt be precomputed and copied as plain structs. Measured on
 * the target machine (AMD EPYC, SHA-NI), HKDF per key: SHA256_* ~0.45 us, EVP_MD_CTX_copy_ex of
 * precomputed states ~0.95 us (every copy allocates a provider context), EVP_MAC reused
 * ~1.9 us, one-shot HMAC() ~5.9 us; the whole match() ran ~850k keys/s with SHA256_* against
 * ~695k with the EVP_MD_CTX copies. The SHA-256 itself is OpenSSL's (SHA-NI) code either way.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <stdint.h>
#include <string.h>

#ifdef OPENSSL_NO_DEPRECATED_3_0
#error "civitrace.en._native needs OpenSSL's SHA256_* functions (built unless no-deprecated)"
#endif

enum {
    KEY_LEN = 16,     /* bytes in a TEK, an RPIK and an RPI */
    MAX_PERIOD = 144, /* intervals in one rolling period: one day */
    SHA_BLOCK = 64,   /* SHA-256 block size, the width of an HMAC key pad */
};

/* HKDF-Expand info with the block counter 0x01 appended: T(1) = HMAC(PRK, info || 0x01). */
static const unsigned char RPIK_INFO_T1[] = {'E', 'N', '-', 'R', 'P', 'I', 'K', 0x01};
static const unsigned char RPI_PREFIX[12] = {'E', 'N', '-', 'R', 'P', 'I'};

/* Read-only after module import, so threads running without the GIL can share them. */
static EVP_CIPHER *aes_128_ecb;           /* fetched once: a fetch is a lock and a lookup */
static SHA256_CTX salt_inner, salt_outer; /* HMAC(0^32, .) after absorbing its ipad / opad */

/* ------------------------------------------------------------------------------------------ */
/* Argument validation                                                                         */

typedef struct {
    uint32_t start;  /* rolling start interval number */
    uint32_t period; /* number of intervals, 1..MAX_PERIOD */
} key_window;

static uint32_t
load_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * Check the lengths, decode each key's window into a private array and sum the periods.
 * The copy matters: the loop runs without the GIL, and another thread may rewrite a bytearray
 * it was given. Keys and observed RPIs changing underneath only change the answer; a period
 * changing after validation could overrun a buffer, so the loop never reads `periods` again.
 * Returns the number of keys, or -1 with an exception set.
 */
static Py_ssize_t
read_windows(const Py_buffer *teks, const Py_buffer *starts, const Py_buffer *periods,
             key_window **out, size_t *total_rpis)
{
    if (teks->len % KEY_LEN != 0) {
        PyErr_Format(PyExc_ValueError,
                     "teks must be a multiple of 16 bytes (one 16-byte key each), got %zd bytes",
                     teks->len);
        return -1;
    }
    Py_ssize_t n = teks->len / KEY_LEN;
    if (starts->len != 4 * n || periods->len != 4 * n) {
        PyErr_Format(PyExc_ValueError,
                     "starts and periods must hold one little-endian uint32 per key: %zd keys "
                     "need %zd bytes each, got %zd and %zd",
                     n, 4 * n, starts->len, periods->len);
        return -1;
    }
    /* One extra element so that n == 0 never asks the allocator for zero bytes. */
    key_window *windows = PyMem_Malloc(((size_t)n + 1) * sizeof *windows);
    if (windows == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    const unsigned char *s = starts->buf, *p = periods->buf;
    size_t total = 0;
    for (Py_ssize_t k = 0; k < n; k++) {
        uint32_t start = load_le32(s + 4 * k), period = load_le32(p + 4 * k);
        if (period < 1 || period > MAX_PERIOD) {
            PyErr_Format(PyExc_ValueError, "key %zd: rolling period %lu is not in 1..144", k,
                         (unsigned long)period);
            PyMem_Free(windows);
            return -1;
        }
        if (start > UINT32_MAX - (period - 1)) {
            PyErr_Format(PyExc_ValueError,
                         "key %zd: rolling start %lu + period %lu passes the last 32-bit "
                         "interval number",
                         k, (unsigned long)start, (unsigned long)period);
            PyMem_Free(windows);
            return -1;
        }
        windows[k] = (key_window){start, period};
        total += period;
    }
    *out = windows;
    *total_rpis = total;
    return n;
}

/* ------------------------------------------------------------------------------------------ */
/* RPI derivation                                                                              */

/*
 * HKDF-SHA256 with no salt and a single output block. Extract: PRK = HMAC(0^32, TEK), whose key
 * pads never change, so only the TEK block and the outer block remain. Expand: RPIK = the first
 * 16 bytes of HMAC(PRK, "EN-RPIK" || 0x01). The SHA256_* calls cannot fail for in-memory input.
 */
static void
derive_rpik(const unsigned char tek[KEY_LEN], unsigned char rpik[KEY_LEN])
{
    unsigned char prk[SHA256_DIGEST_LENGTH], digest[SHA256_DIGEST_LENGTH], pad[SHA_BLOCK];
    SHA256_CTX ctx = salt_inner;
    SHA256_Update(&ctx, tek, KEY_LEN);
    SHA256_Final(digest, &ctx);
    ctx = salt_outer;
    SHA256_Update(&ctx, digest, sizeof digest);
    SHA256_Final(prk, &ctx);

    /* HMAC key pads of the 32-byte PRK: PRK xor 0x36, then zero bytes xor 0x36. */
    for (int i = 0; i < SHA_BLOCK; i++) {
        pad[i] = (unsigned char)((i < SHA256_DIGEST_LENGTH ? prk[i] : 0) ^ 0x36);
    }
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, pad, sizeof pad);
    SHA256_Update(&ctx, RPIK_INFO_T1, sizeof RPIK_INFO_T1);
    SHA256_Final(digest, &ctx);
    for (int i = 0; i < SHA_BLOCK; i++) {
        pad[i] ^= 0x36 ^ 0x5c; /* ipad -> opad without re-reading the PRK */
    }
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, pad, sizeof pad);
    SHA256_Update(&ctx, digest, sizeof digest);
    SHA256_Final(digest, &ctx);
    memcpy(rpik, digest, KEY_LEN);

    /* The PRK and its pads are key material; a downloaded TEK is public but our own is not. */
    OPENSSL_cleanse(prk, sizeof prk);
    OPENSSL_cleanse(pad, sizeof pad);
    OPENSSL_cleanse(digest, sizeof digest);
    OPENSSL_cleanse(&ctx, sizeof ctx);
}

/* Per-call scratch space: one per call, so concurrent calls share nothing writable. */
typedef struct {
    EVP_CIPHER_CTX *aes;  /* AES-128-ECB; only the key changes from one TEK to the next */
    uint32_t ready_start; /* `padded` holds PaddedData for ready_start + j ... */
    uint32_t ready_count; /* ... for j < ready_count (consecutive keys often share a start) */
    unsigned char padded[MAX_PERIOD * KEY_LEN];
} deriver;

static void
deriver_free(deriver *d)
{
    if (d != NULL) {
        EVP_CIPHER_CTX_free(d->aes); /* wipes the last key schedule */
        PyMem_Free(d);
    }
}

/* Needs the GIL (it may set MemoryError / RuntimeError). */
static deriver *
deriver_new(void)
{
    deriver *d = PyMem_Calloc(1, sizeof *d);
    if (d == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    d->aes = EVP_CIPHER_CTX_new();
    /*
     * Choose the cipher now and the key per TEK: EVP_EncryptInit_ex(ctx, NULL, NULL, key, NULL)
     * then mostly reruns the AES-NI key schedule. Padding is deliberately left on: with it off,
     * every such re-init sends the padding parameter to the provider again (~60 ns, 5% of a
     * key). It is harmless here: encryption never holds data back in EVP_EncryptUpdate, we
     * always pass whole blocks, never call EVP_EncryptFinal_ex, and check the output length.
     */
    if (d->aes == NULL || !EVP_EncryptInit_ex(d->aes, aes_128_ecb, NULL, NULL, NULL)) {
        deriver_free(d);
        PyErr_SetString(PyExc_RuntimeError, "OpenSSL could not set up AES-128-ECB");
        return NULL;
    }
    for (int j = 0; j < MAX_PERIOD; j++) {
        memcpy(d->padded + j * KEY_LEN, RPI_PREFIX, sizeof RPI_PREFIX);
    }
    return d;
}

/*
 * Write the `w.period` RPIs of one key to `out`. All blocks go through one EVP_EncryptUpdate,
 * so OpenSSL's AES-NI code can keep several blocks in flight. Runs without the GIL.
 * Returns 0 if OpenSSL fails (it does not for valid keys; checked all the same).
 */
static int
derive_key(deriver *d, const unsigned char tek[KEY_LEN], key_window w, unsigned char *out)
{
    if (w.start != d->ready_start || w.period > d->ready_count) {
        for (uint32_t j = 0; j < w.period; j++) {
            uint32_t interval = w.start + j;
            unsigned char *tail = d->padded + j * KEY_LEN + sizeof RPI_PREFIX;
            tail[0] = (unsigned char)interval;
            tail[1] = (unsigned char)(interval >> 8);
            tail[2] = (unsigned char)(interval >> 16);
            tail[3] = (unsigned char)(interval >> 24);
        }
        d->ready_start = w.start;
        d->ready_count = w.period;
    }
    unsigned char rpik[KEY_LEN];
    derive_rpik(tek, rpik);
    int len = 0, ok = EVP_EncryptInit_ex(d->aes, NULL, NULL, rpik, NULL) &&
                      EVP_EncryptUpdate(d->aes, out, &len, d->padded, (int)w.period * KEY_LEN) &&
                      len == (int)w.period * KEY_LEN;
    OPENSSL_cleanse(rpik, sizeof rpik);
    return ok;
}

/* ------------------------------------------------------------------------------------------ */
/* Observed-RPI set                                                                            */

/*
 * Nearly every probe misses (a device meets few diagnosed people), so the cost of a miss sets
 * the speed. In a bare open-addressing table at a useful load the first slot probed is taken
 * about a third of the time, at random, so the "empty?" branch mispredicts on a third of the
 * 144 probes per key; measured, that halves the throughput. A one-bit-per-hash filter in front,
 * FILTER_BITS per observed RPI (128 KiB for 20k RPIs, cache-resident), ends all but ~1 in 32
 * misses on one well-predicted bit test. 8, 16, 32 and 64 bits were measured: 32 and 64 tie.
 *
 * The table behind it is linear probing, at most half full. A slot keeps a 32-bit tag of the
 * hash next to the index, so the full 16 bytes are compared only when the tags agree.
 */
enum { FILTER_BITS = 32 };

typedef struct {
    uint32_t tag;    /* high half of the RPI's hash */
    uint32_t index1; /* observed index + 1; 0 marks an empty slot */
} slot;

typedef struct {
    slot *slots;
    size_t mask;                   /* slot count - 1; the count is a power of two */
    uint64_t *filter;              /* bit (rotated hash & filter_mask) set per observed RPI */
    size_t filter_mask;            /* filter bit count - 1, a power of two as well */
    uint64_t seed0, seed1;         /* secret per call, see rpi_hash */
    const unsigned char *observed; /* the caller's observed RPIs */
} rpi_set;

static uint64_t
load64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v); /* unaligned-safe; compiles to one load */
    return v;
}

/*
 * Genuine RPIs are uniformly random, so their raw bytes would make a fine hash. But observed
 * RPIs come off the air: anyone can broadcast chosen values, and a few thousand sharing their
 * low bits would turn every probe into a long scan (a cheap denial of service on the phone).
 * Hashing both halves with a fresh secret seed through one 64x64->128-bit multiply, folded,
 * makes such collisions unpredictable at the cost of one multiplication per probe.
 */
static uint64_t
rpi_hash(const rpi_set *t, const unsigned char *rpi)
{
    uint64_t a = load64(rpi) ^ t->seed0, b = load64(rpi + 8) ^ t->seed1;
#ifdef __SIZEOF_INT128__
    __extension__ unsigned __int128 product = (unsigned __int128)a * b;
    return (uint64_t)product ^ (uint64_t)(product >> 64);
#else
    /* No 128-bit type: mix each half with a multiply-xorshift instead. */
    a = (a ^ (a >> 32)) * 0xd6e8feb86659fd93u;
    b = (b ^ (b >> 29)) * 0x9e3779b97f4a7c15u;
    a ^= b;
    return a ^ (a >> 32);
#endif
}

/* The filter indexes by the tag bits first, the table by the low bits: independent choices. */
static size_t
filter_bit(const rpi_set *t, uint64_t h)
{
    return (size_t)(h >> 32 | h << 32) & t->filter_mask;
}

/* The slot holding `rpi` (whose rpi_hash is h), or the empty slot where it would go. */
static slot *
set_slot(const rpi_set *t, const unsigned char *rpi, uint64_t h)
{
    uint32_t tag = (uint32_t)(h >> 32);
    for (size_t i = (size_t)h & t->mask;; i = (i + 1) & t->mask) {
        slot *s = &t->slots[i];
        if (s->index1 == 0) {
            return s;
        }
        if (s->tag == tag &&
            memcmp(t->observed + (size_t)(s->index1 - 1) * KEY_LEN, rpi, KEY_LEN) == 0) {
            return s;
        }
    }
}

static size_t
power_of_two_at_least(size_t n, size_t floor)
{
    while (floor < n) {
        floor *= 2;
    }
    return floor;
}

/* Allocate an empty set for the observed RPIs (needs the GIL); fill it with set_fill. */
static int
set_init(rpi_set *t, const Py_buffer *observed)
{
    size_t m = (size_t)(observed->len / KEY_LEN);
    if (m > UINT32_MAX || m > SIZE_MAX / (2 * FILTER_BITS)) { /* slots store index + 1 */
        PyErr_SetString(PyExc_ValueError, "too many observed RPIs (at most 2**32 - 1)");
        return -1;
    }
    if (RAND_bytes((unsigned char *)&t->seed0, sizeof t->seed0) != 1 ||
        RAND_bytes((unsigned char *)&t->seed1, sizeof t->seed1) != 1) {
        PyErr_SetString(PyExc_RuntimeError, "OpenSSL's RAND_bytes failed");
        return -1;
    }
    size_t slots = power_of_two_at_least(2 * m, 16);
    size_t bits = power_of_two_at_least(FILTER_BITS * m, 64);
    /* Zeroed memory: every slot empty, every filter bit clear. */
    t->slots = PyMem_Calloc(slots, sizeof *t->slots);
    t->filter = PyMem_Calloc(bits / 64, sizeof *t->filter);
    if (t->slots == NULL || t->filter == NULL) {
        PyErr_NoMemory();
        return -1; /* the caller frees what was allocated */
    }
    t->mask = slots - 1;
    t->filter_mask = bits - 1;
    t->observed = observed->buf;
    return 0;
}

/* Insert every observed RPI; a repeated one keeps its last index. Runs without the GIL. */
static void
set_fill(rpi_set *t, size_t m)
{
    for (size_t i = 0; i < m; i++) {
        const unsigned char *rpi = t->observed + i * KEY_LEN;
        uint64_t h = rpi_hash(t, rpi);
        size_t bit = filter_bit(t, h);
        slot *s = set_slot(t, rpi, h);
        s->tag = (uint32_t)(h >> 32);
        s->index1 = (uint32_t)(i + 1);
        t->filter[bit / 64] |= (uint64_t)1 << (bit % 64);
    }
}

static void
set_free(rpi_set *t)
{
    PyMem_Free(t->slots);
    PyMem_Free(t->filter);
}

/* ------------------------------------------------------------------------------------------ */
/* Hits                                                                                        */

typedef struct {
    size_t key;
    uint32_t interval;
    uint32_t observed;
} hit;

typedef struct {
    hit *items;
    size_t len, cap;
} hit_list;

/* Runs without the GIL, so it uses the raw allocator; returns 0 when out of memory. */
static int
hits_push(hit_list *h, hit item)
{
    if (h->len == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 64;
        hit *items = PyMem_RawRealloc(h->items, cap * sizeof *items);
        if (items == NULL) {
            return 0;
        }
        h->items = items;
        h->cap = cap;
    }
    h->items[h->len++] = item;
    return 1;
}

static PyObject *
hits_to_list(const hit_list *h)
{
    PyObject *list = PyList_New((Py_ssize_t)h->len);
    for (size_t i = 0; list != NULL && i < h->len; i++) {
        const hit *x = &h->items[i];
        PyObject *tuple = Py_BuildValue("(nkk)", (Py_ssize_t)x->key, (unsigned long)x->interval,
                                        (unsigned long)x->observed);
        if (tuple == NULL) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, tuple);
    }
    return list;
}

/* Look one key's RPIs up and record the hits. Runs without the GIL; 0 when out of memory. */
static int
lookup_key(const rpi_set *t, const unsigned char *rpis, size_t key, key_window w,
           hit_list *hits)
{
    for (uint32_t j = 0; j < w.period; j++) {
        const unsigned char *rpi = rpis + j * KEY_LEN;
        uint64_t h = rpi_hash(t, rpi);
        size_t bit = filter_bit(t, h);
        if (!(t->filter[bit / 64] >> (bit % 64) & 1)) {
            continue; /* the common case, and a well-predicted branch */
        }
        uint32_t found = set_slot(t, rpi, h)->index1;
        if (found != 0 && !hits_push(hits, (hit){key, w.start + j, found - 1})) {
            return 0;
        }
    }
    return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* Python functions                                                                            */

enum { OK = 0, FAILED_CRYPTO = 1, FAILED_MEMORY = 2 };

static PyObject *
set_loop_error(int status)
{
    if (status == FAILED_MEMORY) {
        return PyErr_NoMemory();
    }
    PyErr_SetString(PyExc_RuntimeError, "OpenSSL AES-128-ECB encryption failed");
    return NULL;
}

PyDoc_STRVAR(match_doc,
"match(teks, starts, periods, observed, /) -> list[tuple[int, int, int]]\n\n"
"Derive the RPIs of every key and return (key index, interval number, observed index) for\n"
"each one found among the observed RPIs, ordered by key then interval. teks and observed are\n"
"16-byte records back to back; starts and periods are little-endian uint32 per key.");

static PyObject *
native_match(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer teks, starts, periods, observed;
    if (!PyArg_ParseTuple(args, "y*y*y*y*:match", &teks, &starts, &periods, &observed)) {
        return NULL;
    }
    PyObject *result = NULL;
    key_window *windows = NULL;
    deriver *d = NULL;
    rpi_set seen = {0};
    hit_list hits = {0};
    size_t total;
    Py_ssize_t n = read_windows(&teks, &starts, &periods, &windows, &total);
    if (n < 0) {
        goto done;
    }
    if (observed.len % KEY_LEN != 0) {
        PyErr_Format(PyExc_ValueError,
                     "observed must be a multiple of 16 bytes (one 16-byte RPI each), got %zd "
                     "bytes",
                     observed.len);
        goto done;
    }
    size_t m = (size_t)(observed.len / KEY_LEN);
    if (n == 0 || m == 0) { /* nothing can match: skip the crypto */
        result = PyList_New(0);
        goto done;
    }
    if (set_init(&seen, &observed) < 0 || (d = deriver_new()) == NULL) {
        goto done;
    }

    int status = OK;
    const unsigned char *tek = teks.buf;
    unsigned char rpis[MAX_PERIOD * KEY_LEN];
    Py_BEGIN_ALLOW_THREADS
    set_fill(&seen, m);
    for (Py_ssize_t k = 0; k < n && status == OK; k++) {
        key_window w = windows[k];
        if (!derive_key(d, tek + (size_t)k * KEY_LEN, w, rpis)) {
            status = FAILED_CRYPTO;
            break;
        }
        if (!lookup_key(&seen, rpis, (size_t)k, w, &hits)) {
            status = FAILED_MEMORY;
        }
    }
    Py_END_ALLOW_THREADS
    result = status == OK ? hits_to_list(&hits) : set_loop_error(status);

done:
    PyMem_RawFree(hits.items);
    set_free(&seen);
    deriver_free(d);
    PyMem_Free(windows);
    PyBuffer_Release(&teks);
    PyBuffer_Release(&starts);
    PyBuffer_Release(&periods);
    PyBuffer_Release(&observed);
    return result;
}

PyDoc_STRVAR(derive_rpis_doc,
"derive_rpis(teks, starts, periods, /) -> bytes\n\n"
"Every RPI of every key, back to back: key by key, interval by interval. Arguments as for\n"
"match().");

static PyObject *
native_derive_rpis(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer teks, starts, periods;
    if (!PyArg_ParseTuple(args, "y*y*y*:derive_rpis", &teks, &starts, &periods)) {
        return NULL;
    }
    PyObject *out = NULL;
    key_window *windows = NULL;
    deriver *d = NULL;
    size_t total;
    Py_ssize_t n = read_windows(&teks, &starts, &periods, &windows, &total);
    if (n < 0) {
        goto done;
    }
    if (total > (size_t)PY_SSIZE_T_MAX / KEY_LEN) {
        PyErr_NoMemory();
        goto done;
    }
    out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(total * KEY_LEN));
    if (out == NULL || n == 0) {
        goto done;
    }
    if ((d = deriver_new()) == NULL) {
        Py_CLEAR(out);
        goto done;
    }
    int ok = 1;
    const unsigned char *tek = teks.buf;
    /* The new bytes object is still private to us, so filling it without the GIL is safe. */
    unsigned char *dst = (unsigned char *)PyBytes_AS_STRING(out);
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t k = 0; k < n && ok; k++) {
        ok = derive_key(d, tek + (size_t)k * KEY_LEN, windows[k], dst);
        dst += (size_t)windows[k].period * KEY_LEN;
    }
    Py_END_ALLOW_THREADS
    if (!ok) {
        Py_CLEAR(out);
        set_loop_error(FAILED_CRYPTO);
    }

done:
    deriver_free(d);
    PyMem_Free(windows);
    PyBuffer_Release(&teks);
    PyBuffer_Release(&starts);
    PyBuffer_Release(&periods);
    return out;
}

/* ------------------------------------------------------------------------------------------ */
/* Module                                                                                      */

static PyMethodDef native_methods[] = {
    {"match", native_match, METH_VARARGS, match_doc},
    {"derive_rpis", native_derive_rpis, METH_VARARGS, derive_rpis_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef native_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "civitrace.en._native",
    .m_doc = "GAEN RPI derivation and matching over OpenSSL's libcrypto (see _native.pyi).",
    .m_size = -1,
    .m_methods = native_methods,
};

/* Precompute the HMAC states of HKDF's all-zero salt: its key pads are constant blocks. */
static void
init_salt_states(void)
{
    unsigned char pad[SHA_BLOCK];
    memset(pad, 0x36, sizeof pad);
    SHA256_Init(&salt_inner);
    SHA256_Update(&salt_inner, pad, sizeof pad);
    memset(pad, 0x5c, sizeof pad);
    SHA256_Init(&salt_outer);
    SHA256_Update(&salt_outer, pad, sizeof pad);
}

PyMODINIT_FUNC
PyInit__native(void)
{
    if (aes_128_ecb == NULL) {
        aes_128_ecb = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
        if (aes_128_ecb == NULL) {
            PyErr_SetString(PyExc_ImportError, "OpenSSL provides no AES-128-ECB");
            return NULL;
        }
        init_salt_states();
    }
    return PyModule_Create(&native_module);
}
