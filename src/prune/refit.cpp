// Least-squares pruning of one layer (erg/prune/refit.h).
#include "erg/prune/refit.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace erg::prune {

namespace {

// Filters are solved in chunks so that the batched k × k systems stay within a few hundred MB.
constexpr std::int64_t kChunkBytes = std::int64_t{256} << 20;

struct Solution {
  at::Tensor w;         // G × Mg × k (float64)
  at::Tensor inv_diag;  // G × Mg × k: diagonal of H_m⁻¹ (1 off the support)
};

// Per filter m of group g: H = D (XᵀX + λI) D + (I − D), rhs = D Xᵀ y; D = diag(mask).
Solution solve(const at::Tensor& gram, const at::Tensor& xty, const at::Tensor& mask,
               double lambda) {
  const std::int64_t groups = gram.size(0), k = gram.size(1), mg = mask.size(1);
  at::Tensor w = torch::zeros({groups, mg, k}, gram.options());
  at::Tensor inv = torch::ones({groups, mg, k}, gram.options());
  const at::Tensor eye = torch::eye(k, gram.options());
  const std::int64_t chunk = std::max<std::int64_t>(1, kChunkBytes / (k * k * 8));
  for (std::int64_t g = 0; g < groups; ++g) {
    const at::Tensor a = gram[g] + lambda * eye;  // k × k
    if (mask[g].min().item<double>() > 0) {
      // Every filter keeps every weight (the first round): one factorisation serves them all.
      const at::Tensor l = torch::linalg_cholesky(a);
      w[g].copy_(torch::cholesky_solve(xty[g], l).t());
      inv[g].copy_(torch::diagonal(torch::cholesky_inverse(l)).unsqueeze(0).expand({mg, k}));
      continue;
    }
    for (std::int64_t m0 = 0; m0 < mg; m0 += chunk) {
      const std::int64_t m1 = std::min(mg, m0 + chunk);
      const at::Tensor d = mask[g].slice(0, m0, m1);          // c × k
      const at::Tensor dd = d.unsqueeze(2) * d.unsqueeze(1);  // c × k × k
      const at::Tensor h = a.unsqueeze(0) * dd + torch::diag_embed(1 - d);
      const at::Tensor rhs = (xty[g].t().slice(0, m0, m1) * d).unsqueeze(2);  // c × k × 1
      const at::Tensor l = torch::linalg_cholesky(h);
      w[g].slice(0, m0, m1).copy_(torch::cholesky_solve(rhs, l).squeeze(2) * d);
      inv[g].slice(0, m0, m1).copy_(torch::diagonal(torch::cholesky_inverse(l), 0, 1, 2));
    }
  }
  return {w, inv};
}

// Filters with more weights than this are solved by conjugate gradients on the same normal
// equations (batched over the filters, warm-started), and their saliencies use the diagonal of the
// full-support inverse, shared by the filters: a k × k factorisation per filter per round would
// take minutes for a 1568-input FC layer on two cores.
constexpr std::int64_t kExactLimit = 512;

// Conjugate gradients for every filter at once: (D A D + (I − D)) w = D c, D = diag(mask),
// from `w0`, until every filter's residual is below 1e-6 of its right-hand side or 200 steps.
at::Tensor cg_solve(const at::Tensor& a, const at::Tensor& c, const at::Tensor& d,
                    const at::Tensor& w0) {
  // a: k × k; c, d, w0: Mg × k.
  auto apply = [&](const at::Tensor& v) { return torch::matmul(v * d, a) * d + v * (1 - d); };
  at::Tensor w = w0 * d;
  const at::Tensor b = c * d;
  at::Tensor r = b - apply(w), p = r.clone();
  at::Tensor rr = (r * r).sum(1, true);
  const at::Tensor stop = 1e-12 * (b * b).sum(1, true).clamp_min(1e-300);
  for (int it = 0; it < 200; ++it) {
    if ((rr <= stop).all().item<bool>()) break;
    const at::Tensor ap = apply(p);
    const at::Tensor alpha = rr / (p * ap).sum(1, true).clamp_min(1e-300);
    w = w + alpha * p;
    r = r - alpha * ap;
    const at::Tensor rr_next = (r * r).sum(1, true);
    p = r + (rr_next / rr.clamp_min(1e-300)) * p;
    rr = rr_next;
  }
  return w * d;
}

// The large-layer path of solve(): shared saliency denominators, CG refits.
Solution solve_large(const at::Tensor& gram, const at::Tensor& xty, const at::Tensor& mask,
                     double lambda, const at::Tensor& w0) {
  const std::int64_t groups = gram.size(0), k = gram.size(1);
  Solution out{torch::zeros_like(mask), torch::ones_like(mask)};
  const at::Tensor eye = torch::eye(k, gram.options());
  for (std::int64_t g = 0; g < groups; ++g) {
    const at::Tensor a = gram[g] + lambda * eye;
    const at::Tensor l = torch::linalg_cholesky(a);
    const at::Tensor inv = torch::diagonal(torch::cholesky_inverse(l));
    out.inv_diag[g].copy_(inv.unsqueeze(0).expand_as(mask[g]));
    if (mask[g].min().item<double>() > 0) {
      out.w[g].copy_(torch::cholesky_solve(xty[g], l).t());
    } else {
      out.w[g].copy_(cg_solve(a, xty[g].t(), mask[g], w0[g]));
    }
  }
  return out;
}

struct Prepared {
  at::Tensor x, y, gram, xty;  // float64
  double lambda = 0;
  double y_var = 0;  // ‖Y − mean(Y)‖²
};

Prepared prepare(const LayerProblem& p, double ridge) {
  Prepared q;
  q.x = p.x.to(torch::kFloat64);
  q.y = p.y.to(torch::kFloat64);
  q.gram = torch::bmm(q.x.transpose(1, 2), q.x);
  q.xty = torch::bmm(q.x.transpose(1, 2), q.y);
  const double mean_diag = torch::diagonal(q.gram, 0, 1, 2).mean().item<double>();
  q.lambda = ridge * std::max(mean_diag, 1e-12);
  q.y_var = (q.y - q.y.mean(1, true)).pow(2).sum().item<double>();
  return q;
}

double error_of(const Prepared& q, const at::Tensor& w) {
  const at::Tensor r = q.y - torch::bmm(q.x, w.to(torch::kFloat64).transpose(1, 2));
  const double e = r.pow(2).sum().item<double>();
  return q.y_var > 0 ? e / q.y_var : (e > 0 ? INFINITY : 0.0);
}

}  // namespace

double relative_error(const LayerProblem& p, const at::Tensor& w) {
  torch::NoGradGuard no_grad;
  return error_of(prepare(p, 0.0), w);
}

at::Tensor refit(const LayerProblem& p, const at::Tensor& mask, double ridge) {
  torch::NoGradGuard no_grad;
  const Prepared q = prepare(p, ridge);
  const at::Tensor m = mask.to(torch::kFloat64);
  const Solution s = q.gram.size(1) > kExactLimit
                         ? solve_large(q.gram, q.xty, m, q.lambda, (p.w * mask).to(torch::kFloat64))
                         : solve(q.gram, q.xty, m, q.lambda);
  return s.w.to(p.w.scalar_type());
}

Result<RefitResult> prune_layer_least_squares(const LayerProblem& p, const RefitOptions& o) {
  if (!(o.step > 0 && o.step < 1)) return make_error("refit: 'step' must be in (0, 1)");
  if (!(o.tolerance >= 0)) return make_error("refit: 'tolerance' must not be negative");
  try {
    torch::NoGradGuard no_grad;
    const Prepared q = prepare(p, o.ridge);
    at::Tensor mask = p.mask.to(torch::kFloat64);
    const double total = static_cast<double>(mask.numel());
    // Round 0: the current support, refitted (never worse than the current weights, up to λ).
    const bool large = q.gram.size(1) > kExactLimit;
    const at::Tensor w_start = (p.w * p.mask).to(torch::kFloat64);
    Solution s = large ? solve_large(q.gram, q.xty, mask, q.lambda, w_start)
                       : solve(q.gram, q.xty, mask, q.lambda);
    RefitResult best{s.w.to(p.w.scalar_type()), mask.to(p.mask.scalar_type()), error_of(q, s.w),
                     mask.sum().item<double>() / total, 0};
    // Keep the current weights when refitting does not help (the targets may be exactly them).
    const double current = error_of(q, p.w * p.mask);
    if (current <= best.error) {
      best.w = (p.w * p.mask).clone();
      best.error = current;
    }
    // The tolerance is on the error this pruning adds: a layer whose inputs come from an
    // already pruned network starts with some error of its own.
    const double limit = best.error + o.tolerance;
    for (int round = 1; round <= o.max_rounds; ++round) {
      const auto kept = static_cast<std::int64_t>(mask.sum().item<double>());
      const auto remove = static_cast<std::int64_t>(std::floor(o.step * static_cast<double>(kept)));
      if (remove < 1 || static_cast<double>(kept - remove) < o.min_density * total) break;
      // Error increase of removing each weight alone (others refitted); removed ones never again.
      at::Tensor saliency = s.w.pow(2) / s.inv_diag;
      saliency = torch::where(mask > 0, saliency, torch::full_like(saliency, INFINITY));
      const at::Tensor flat = saliency.flatten();
      const at::Tensor order = std::get<1>(torch::topk(flat, remove, 0, /*largest=*/false, true));
      at::Tensor next = mask.flatten().clone();
      next.index_fill_(0, order, 0.0);
      next = next.view_as(mask);
      Solution t = large ? solve_large(q.gram, q.xty, next, q.lambda, s.w)
                         : solve(q.gram, q.xty, next, q.lambda);
      const double err = error_of(q, t.w);
      if (err > limit) break;
      mask = next;
      s = std::move(t);
      best = {s.w.to(p.w.scalar_type()), mask.to(p.mask.scalar_type()), err,
              mask.sum().item<double>() / total, round};
    }
    return best;
  } catch (const c10::Error& e) {
    return make_error(std::string("least-squares refit failed: ") + e.what_without_backtrace());
  }
}

at::Tensor magnitude_mask(const at::Tensor& w, const at::Tensor& mask, double density) {
  torch::NoGradGuard no_grad;
  const at::Tensor live = (mask > 0).flatten();
  const auto alive = live.sum().item<std::int64_t>();
  const auto keep = static_cast<std::int64_t>(std::llround(density * static_cast<double>(alive)));
  at::Tensor out = torch::zeros_like(mask).flatten();
  if (keep <= 0) return out.view_as(mask);
  const at::Tensor score = torch::where(live, w.abs().flatten().to(torch::kFloat64),
                                        torch::full({1}, -1.0, torch::kFloat64));
  const at::Tensor idx =
      std::get<1>(torch::topk(score, keep, 0, /*largest=*/true, /*sorted=*/true));
  out.index_fill_(0, idx, 1.0);
  return out.view_as(mask);
}

}  // namespace erg::prune
