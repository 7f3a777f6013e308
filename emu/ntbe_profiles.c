// SPDX-License-Identifier: GPL-2.0
/*
 * ntbe_profiles.c - the NTB chips the emulator can pretend to be.
 *
 * Each profile gives NTB clients what that chip's Linux driver reports:
 * counts, masks, vectors, window alignment, translation direction, ports,
 * and (in ntbe_ops.c) exactly the operations its ops table has. Figures
 * are read from the drivers of Linux 6.1 (drivers/ntb/hw/ in the
 * distribution's linux-source); the comment above each names the lines.
 * docs/emulator.md has the same table for readers, and what each profile
 * cannot reproduce.
 */
#include <linux/sizes.h>
#include <linux/string.h>

#include "ntbe.h"

const struct ntbe_profile ntbe_profiles[NTBE_HW_COUNT] = {
	/* The emulator as it always was: the most generous NTB there is. */
	[NTBE_HW_DEFAULT] = {
		.name		= "default",
		.chip		= "generous emulator (32 scratchpads, 32 doorbells)",
		.ops		= &ntbe_ops_default,
		.topo		= { NTB_TOPO_B2B_USD, NTB_TOPO_B2B_DSD },
		.spad_count	= 32,
		.db_valid	= GENMASK_ULL(31, 0),
		.db_vectors	= 1,
		.vec_last	= 0,
		.ev_vectors	= 1,
		.vec_map	= NTBE_VEC_ONE,
		.mw_count	= 1,	/* module parameter mw_count */
		.addr_align	= PAGE_SIZE,
		.size_align	= PAGE_SIZE,
		.flags		= NTBE_PF_ALIAS_MW | NTBE_PF_PEER_DB_EINVAL |
				  NTBE_PF_DB_CLEAR_EINVAL,
	},
	/*
	 * Intel Xeon gen1 (JSF..BDX) back-to-back, intel/ntb_hw_gen1.[ch]:
	 * 16 scratchpads (gen1.h:125, gen1.c:1548); 15 doorbells (gen1.h:119,
	 * gen1.c:1549, valid mask gen1.c:1634) and link bit 15 outside them
	 * (gen1.h:120-121, gen1.c:1550); 4 MSI-X vectors of 5 bits
	 * (gen1.h:122-123, gen1.c:1280, ndev_vec_mask gen1.c:274), vector 3
	 * carrying only the link bit; db_vector_mask answers up to
	 * db_vec_count inclusive (gen1.c:1073). Every gen1 device has the
	 * SDOORBELL_LOCKUP erratum (gen1.c:1673), so B2B reaches the peer's
	 * registers through the last window, which b2b_mw_share=0 (gen1.c:95)
	 * takes whole: 2 windows (gen1.h:117) less one (gen1.c:1326).
	 * Translation alignment is the BAR size (gen1.c:831, checked at
	 * gen1.c:870), size alignment 1 (gen1.c:834), max the BAR
	 * (gen1.c:837). Topology from the PPD register (gen1.c:1251). No
	 * mw_clear_trans (ops table gen1.c:1995-2021). IVT, HSX and BDX also
	 * have the SB01BASE_LOCKUP erratum (gen1.c:1690): db_is_unsafe and
	 * spad_is_unsafe say yes (gen1.c:155-159).
	 */
	[NTBE_HW_INTEL_B2B] = {
		.name		= "intel-b2b",
		.chip		= "Intel Xeon gen1 NTB, back-to-back (ntb_hw_intel)",
		.ops		= &ntbe_ops_intel,
		.topo		= { NTB_TOPO_B2B_USD, NTB_TOPO_B2B_DSD },
		.spad_count	= 16,
		.db_valid	= GENMASK_ULL(14, 0),
		.db_link	= BIT_ULL(15),
		.db_vectors	= 4,
		.vec_last	= 4,
		.ev_vectors	= 4,
		.vec_map	= NTBE_VEC_SHIFT,
		.vec_shift	= 5,
		.mw_count	= 1,
		.addr_align	= 0,
		.size_align	= 1,
		.flags		= NTBE_PF_PEER_DB_EINVAL | NTBE_PF_DB_CLEAR_EINVAL |
				  NTBE_PF_UNSAFE,
	},
	/*
	 * Intel Xeon gen1 primary/secondary, intel/ntb_hw_gen1.c: as B2B but
	 * half the 16 scratchpads per side (gen1.c:1565 primary, gen1.c:1577
	 * secondary) and both windows (gen1.c:1546). Note: Linux 6.1 refuses
	 * this topology on every gen1 device it knows (SDOORBELL_LOCKUP,
	 * gen1.c:1555 and gen1.c:1573); the profile shows what the code
	 * would give, as on hardware without the erratum.
	 */
	[NTBE_HW_INTEL_PRI_SEC] = {
		.name		= "intel-pri-sec",
		.chip		= "Intel Xeon gen1 NTB, primary/secondary (ntb_hw_intel)",
		.ops		= &ntbe_ops_intel,
		.topo		= { NTB_TOPO_PRI, NTB_TOPO_SEC },
		.spad_count	= 8,
		.db_valid	= GENMASK_ULL(14, 0),
		.db_link	= BIT_ULL(15),
		.db_vectors	= 4,
		.vec_last	= 4,
		.ev_vectors	= 4,
		.vec_map	= NTBE_VEC_SHIFT,
		.vec_shift	= 5,
		.mw_count	= 2,
		.addr_align	= 0,
		.size_align	= 1,
		.flags		= NTBE_PF_PEER_DB_EINVAL | NTBE_PF_DB_CLEAR_EINVAL |
				  NTBE_PF_UNSAFE,
	},
	/*
	 * AMD, amd/ntb_hw_amd.[ch]: 16 scratchpads halved to 8 per side
	 * (amd.h:94, amd.c:1072), primary/secondary only (amd.c:1087,
	 * amd.c:1104-1106); 16 doorbells on 16 MSI-X vectors (amd.h:92,
	 * amd.c:999, amd.c:758), bit v on vector v (amd.c:417) up to v ==
	 * db_count (amd.c:414); the top bit reserved to tell the peer the
	 * driver unloads (amd.c:1137, rung at amd.c:1280, consumed with a
	 * link event at amd.c:667), leaving 15 (amd.c:1145-1146).
	 * peer_db_set writes all 16 bits unchecked (amd.c:477). 2 windows on
	 * the 148b/14c0/14c3/155a devices (amd.c:1316), address alignment
	 * 4 KiB (amd.c:108), size alignment 1 (amd.c:111), max the BAR
	 * (amd.c:114).
	 */
	[NTBE_HW_AMD] = {
		.name		= "amd",
		.chip		= "AMD NTB, primary/secondary (ntb_hw_amd)",
		.ops		= &ntbe_ops_amd,
		.topo		= { NTB_TOPO_PRI, NTB_TOPO_SEC },
		.spad_count	= 8,
		.db_valid	= GENMASK_ULL(14, 0),
		.db_hw		= GENMASK_ULL(15, 0),
		.db_unload	= BIT_ULL(15),
		.db_vectors	= 15,
		.vec_last	= 15,
		.ev_vectors	= 16,
		.vec_map	= NTBE_VEC_BIT,
		.mw_count	= 2,
		.addr_align	= SZ_4K,
		.size_align	= 1,
	},
	/*
	 * Microsemi Switchtec, mscc/ntb_hw_switchtec.c: 128 scratchpads in
	 * shared memory (switchtec.c:39, switchtec.c:728); 64 doorbells split
	 * between the two partitions and 4 taken by messages: 28
	 * (switchtec.c:1245, 1249); one vector (switchtec.c:610), and
	 * db_vector_mask answers for vectors 0 and 1 (switchtec.c:619); direct
	 * windows (LUT windows off: use_lut_mws, switchtec.c:26), as many as
	 * the partition's valid BARs (two here), each at most max_mw_size,
	 * 2 MiB (switchtec.c:21, 378), 4 KiB address and size alignment
	 * (switchtec.c:210, 213), and mw_set_trans further wants at least
	 * 4 KiB and the address aligned to the size's power of two
	 * (switchtec.c:288-301); no mw_clear_trans, size 0 clears
	 * (switchtec.c:309); topology switch (switchtec.c:847) and no port
	 * operations, so both sides are port 0 (core.c:222).
	 */
	[NTBE_HW_SWITCHTEC] = {
		.name		= "switchtec",
		.chip		= "Microsemi Switchtec, direct windows (ntb_hw_switchtec)",
		.ops		= &ntbe_ops_switchtec,
		.topo		= { NTB_TOPO_SWITCH, NTB_TOPO_SWITCH },
		.spad_count	= 128,
		.db_valid	= GENMASK_ULL(27, 0),
		.db_vectors	= 1,
		.vec_last	= 1,
		.ev_vectors	= 1,
		.vec_map	= NTBE_VEC_ONE,
		.mw_count	= 2,
		.mw_size	= SZ_2M,
		.addr_align	= SZ_4K,
		.size_align	= SZ_4K,
		.flags		= NTBE_PF_ALIGN_TO_SIZE,
	},
	/*
	 * IDT PCIe switches, idt/ntb_hw_idt.[ch]: no scratchpads; 4 message
	 * registers (idt.h:975), inbound status bits 16-19 and outbound
	 * 0-3 (idt.h:965-966, idt.c:1642, 1657); a write the peer has not
	 * freed fails only in the sender's status (idt.c:1808); 32 doorbells
	 * (idt.h:964, idt.c:1445), no vector operations, events on vector 0
	 * (idt.c:1431); translation on the outbound side only
	 * (peer_mw_set_trans, idt.c:2249, no mw_set_trans), direct windows
	 * with 4-byte address alignment (idt.h:997, idt.c:1098), size
	 * alignment 1 (idt.h:998, idt.c:1107), max the BAR aperture
	 * (idt.c:1101); switch topology (idt.c:2281) and switch port numbers
	 * (idt.c:552): ports 0 and 2 here.
	 */
	[NTBE_HW_IDT] = {
		.name		= "idt",
		.chip		= "IDT PCIe switch NT function (ntb_hw_idt)",
		.ops		= &ntbe_ops_idt,
		.topo		= { NTB_TOPO_SWITCH, NTB_TOPO_SWITCH },
		.port_number	= { 0, 2 },
		.spad_count	= 0,
		.msg_count	= 4,
		.msg_inbits	= GENMASK_ULL(19, 16),
		.msg_outbits	= GENMASK_ULL(3, 0),
		.db_valid	= GENMASK_ULL(31, 0),
		.db_vectors	= 1,
		.vec_last	= 0,
		.ev_vectors	= 1,
		.vec_map	= NTBE_VEC_ONE,
		.mw_count	= 1,
		.addr_align	= 4,
		.size_align	= 1,
		.flags		= NTBE_PF_PEER_DB_EINVAL | NTBE_PF_OUTBOUND,
	},
	/*
	 * PCI endpoint NTB function seen by the host, epf/ntb_hw_epf.c, with
	 * the configuration of pci-ntb-howto.rst (db_count 4, spad_count 128,
	 * num_mws 2, mw1 = mw2 = 1 MiB): 4 MSI vectors, one for the link and
	 * one skipped, so db_count 3 (epf.c:381) and 2 valid doorbells
	 * (epf.c:600), bit b raising vector b (epf.c:344, 354); no vector
	 * operations; peer_db_set rings the lowest set bit only (epf.c:503)
	 * and fails beyond db_count (epf.c:509); masks do nothing
	 * (epf.c:425, 532); 128 scratchpads (epf.c:601); 2 windows
	 * (epf.c:582), address alignment 4 KiB (epf.c:197), size alignment 1
	 * (epf.c:200), max the BAR (epf.c:203); topology none (epf.c:573), so
	 * both sides are port 0.
	 */
	[NTBE_HW_EPF] = {
		.name		= "epf",
		.chip		= "PCI endpoint NTB function, host side (ntb_hw_epf)",
		.ops		= &ntbe_ops_epf,
		.topo		= { NTB_TOPO_NONE, NTB_TOPO_NONE },
		.spad_count	= 128,
		.db_valid	= GENMASK_ULL(1, 0),
		.db_vectors	= 1,
		.vec_last	= 0,
		.ev_vectors	= 2,
		.vec_map	= NTBE_VEC_BIT,
		.mw_count	= 2,
		.mw_size	= SZ_1M,
		.addr_align	= SZ_4K,
		.size_align	= 1,
		.flags		= NTBE_PF_PEER_DB_EINVAL | NTBE_PF_DB_NOMASK |
				  NTBE_PF_DB_LOWEST,
	},
};

/**
 * ntbe_profile_find() - a profile by name.
 * @name: profile=NAME.
 *
 * Return: the profile, or NULL.
 */
const struct ntbe_profile *ntbe_profile_find(const char *name)
{
	int i;

	for (i = 0; i < NTBE_HW_COUNT; i++)
		if (sysfs_streq(name, ntbe_profiles[i].name))
			return &ntbe_profiles[i];
	return NULL;
}
