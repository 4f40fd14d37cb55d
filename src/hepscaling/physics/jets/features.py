"""JetClass features of jets and their constituents, as padded numpy arrays.

Definitions follow JetClass (``makeNtuples.C`` and ``postprocessing/rename.py`` in
github.com/jet-universe/jetclass_generation; the derived inputs in
``data/JetClass/JetClass_full.yaml`` of github.com/jet-universe/particle_transformer):

- constituents sorted by decreasing pT, padded with zeros to ``max_particles``;
  ``part_mask`` marks the real ones;
- ``part_deta = (eta - jet_eta) * (+1 if jet_eta > 0 else -1)`` (pseudorapidity; the sign
  flip makes the sign of ``part_deta`` point away from the beam on both sides);
- ``part_dphi = phi - jet_phi`` wrapped to ``[-pi, pi)``
  (:func:`hepscaling.physics.lorentz.delta_phi`);
- ``part_pt_log = log(pt)``, ``part_e_log = log(E)``, ``part_logptrel = log(pt / jet_pt)``,
  ``part_logerel = log(E / jet_energy)``, ``part_deltaR = hypot(part_deta, part_dphi)``;
- particle type from the PDG id: electron (|id| = 11), muon (13), photon (22), charged
  hadron (any other charged particle), neutral hadron (any other neutral particle). JetClass
  takes these from Delphes particle flow; at generator level with Pythia's default decays the
  stable hadrons are pi+-, K+-, p (charged) and n, K_L (neutral), the same sets;
- jet kinematics from the anti-kT jet (E-scheme sum of *all* constituents, also those cut by
  the padding); ``jet_nparticles`` counts all constituents; ``jet_eta`` is pseudorapidity.

Every output array is float32 except ``part_mask`` (bool).
"""

from __future__ import annotations

import awkward as ak
import numpy as np

from hepscaling.physics import lorentz

__all__ = ["JET_FEATURES", "PARTICLE_FEATURES", "jet_features"]

#: Per-particle arrays, each float32 (n_jets, max_particles), zero-padded.
PARTICLE_FEATURES: tuple[str, ...] = (
    "part_px", "part_py", "part_pz", "part_energy", "part_deta", "part_dphi",
    "part_pt_log", "part_e_log", "part_logptrel", "part_logerel", "part_deltaR",
    "part_charge", "part_isChargedHadron", "part_isNeutralHadron", "part_isPhoton",
    "part_isElectron", "part_isMuon",
)
#: Per-jet arrays, each float32 (n_jets,).
JET_FEATURES: tuple[str, ...] = (
    "jet_pt", "jet_eta", "jet_phi", "jet_energy", "jet_nparticles", "jet_sdmass",
    "jet_tau1", "jet_tau2", "jet_tau3", "jet_tau4",
)


def _padded_by_pt(constituents: ak.Array, pid: ak.Array, charge: ak.Array,
                  width: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Each jet's constituents sorted by decreasing pT (stable), cut or zero-padded to ``width``.

    Returns ``count`` int64 (n_jets,), the number of constituents, and float64
    (n_jets, width) arrays ``px, py, pz, E`` (GeV), ``pt`` (GeV), ``pid`` and ``charge``.
    """
    count = ak.to_numpy(ak.num(constituents)).astype(np.int64)
    flat = {c: ak.to_numpy(ak.flatten(constituents[c])) for c in ("px", "py", "pz", "E")}
    flat["pt"] = np.hypot(flat["px"], flat["py"])
    flat["pid"] = ak.to_numpy(ak.flatten(pid))
    flat["charge"] = ak.to_numpy(ak.flatten(charge))
    jet = np.repeat(np.arange(count.size), count)
    order = np.lexsort((-flat["pt"], jet))  # by jet, then pT down; ties keep their order
    rank = np.arange(order.size) - (np.cumsum(count) - count)[jet]
    shown = rank < width
    rows, cols, order = jet[shown], rank[shown], order[shown]
    padded = {}
    for name, values in flat.items():
        padded[name] = np.zeros((count.size, width))
        padded[name][rows, cols] = values[order]
    return count, padded


def jet_features(constituents: ak.Array, pid: ak.Array, charge: ak.Array, jet_p4: np.ndarray,
                 sdmass: np.ndarray, tau: np.ndarray, max_particles: int) -> dict[str, np.ndarray]:
    """The JetClass features of ``n_jets`` jets.

    Parameters
    ----------
    constituents : awkward.Array (n_jets, var) of {px, py, pz, E} records, GeV
        Each jet's constituents, any order.
    pid, charge : awkward.Array (n_jets, var)
        PDG id (int) and electric charge (units of e) of each constituent.
    jet_p4 : float64 (n_jets, 4), GeV
        The jets' ``(E, px, py, pz)``.
    sdmass : float64 (n_jets,), GeV
        Soft-drop mass.
    tau : float64 (n_jets, 4)
        N-subjettiness tau_1..tau_4.
    max_particles : int
        Padding length of the per-particle arrays (JetClass trains with 128).

    Returns
    -------
    dict
        :data:`PARTICLE_FEATURES` float32 (n_jets, max_particles), ``part_mask`` bool
        (n_jets, max_particles) and :data:`JET_FEATURES` float32 (n_jets,).
    """
    count, padded = _padded_by_pt(constituents, pid, charge, max_particles)
    mask = np.arange(max_particles)[None, :] < count[:, None]
    px, py, pz, energy, part_pt = (padded[c] for c in ("px", "py", "pz", "E", "pt"))
    part_p4 = np.stack([energy, px, py, pz], axis=-1)  # (n_jets, max_particles, 4), 0 padding
    jet_e = jet_p4[:, 0]
    jet_pt = lorentz.pt(jet_p4)
    jet_eta = lorentz.eta(jet_p4)

    safe_pt = np.where(mask, part_pt, 1.0)
    safe_e = np.where(mask, energy, 1.0)
    sign = np.where(jet_eta > 0, 1.0, -1.0)[:, None]
    deta = np.where(mask, (lorentz.eta(part_p4) - jet_eta[:, None]) * sign, 0.0)
    dphi = np.where(mask, lorentz.delta_phi(part_p4, jet_p4[:, None]), 0.0)

    apid = np.abs(padded["pid"])
    q = padded["charge"]
    charged = q != 0
    is_e, is_mu, is_gamma = apid == 11, apid == 13, apid == 22
    out = {
        "part_px": px, "part_py": py, "part_pz": pz, "part_energy": energy,
        "part_deta": deta, "part_dphi": dphi,
        "part_pt_log": np.where(mask, np.log(safe_pt), 0.0),
        "part_e_log": np.where(mask, np.log(safe_e), 0.0),
        "part_logptrel": np.where(mask, np.log(safe_pt / jet_pt[:, None]), 0.0),
        "part_logerel": np.where(mask, np.log(safe_e / jet_e[:, None]), 0.0),
        "part_deltaR": np.hypot(deta, dphi),
        "part_charge": q,
        "part_isChargedHadron": mask & charged & ~is_e & ~is_mu,
        "part_isNeutralHadron": mask & ~charged & ~is_gamma,
        "part_isPhoton": mask & is_gamma,
        "part_isElectron": mask & is_e,
        "part_isMuon": mask & is_mu,
    }
    out = {name: np.asarray(value, dtype=np.float32) for name, value in out.items()}
    out["part_mask"] = mask
    jets = {
        "jet_pt": jet_pt, "jet_eta": jet_eta, "jet_phi": lorentz.phi(jet_p4), "jet_energy": jet_e,
        "jet_nparticles": count, "jet_sdmass": sdmass,
        **{f"jet_tau{i + 1}": tau[:, i] for i in range(4)},
    }
    out.update({name: np.asarray(value, dtype=np.float32) for name, value in jets.items()})
    return out
