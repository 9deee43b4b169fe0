/* Deterministic random numbers: xoshiro256** (Blackman and Vigna, 2018) and a Zipf sampler. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "gen/gen_impl.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void rng_seed(struct gen_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t rng_u64(struct gen_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

/* Uniform in [0, n) by Lemire's multiply-shift; the bias is below 2^-32 for n < 2^32. */
uint32_t rng_below(struct gen_rng *r, uint32_t n)
{
	return (uint32_t)(((rng_u64(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in (0, 1): never 0, so logarithms stay finite. */
double rng_unit(struct gen_rng *r)
{
	return ((double)(rng_u64(r) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

double rng_exp(struct gen_rng *r, double mean)
{
	return -mean * log(rng_unit(r));
}

double rng_pareto(struct gen_rng *r, double xmin, double alpha)
{
	return xmin / pow(rng_unit(r), 1.0 / alpha);
}

int zipf_init(struct gen_zipf *z, uint32_t n, double s)
{
	double sum = 0;

	z->n = n;
	z->cdf = malloc(sizeof(*z->cdf) * n);
	if (!z->cdf)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		sum += pow((double)i + 1.0, -s);
		z->cdf[i] = sum;
	}
	for (uint32_t i = 0; i < n; i++)
		z->cdf[i] /= sum;
	return 0;
}

uint32_t zipf_sample(struct gen_zipf *z, struct gen_rng *r)
{
	double u = rng_unit(r);
	uint32_t lo = 0, hi = z->n - 1;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (z->cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void zipf_free(struct gen_zipf *z)
{
	free(z->cdf);
	z->cdf = NULL;
}
