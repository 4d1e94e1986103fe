/**
 * Known-answer vectors, as published (hex). Sources are cited per vector.
 */

/** NIST SP 800-38A, Appendix F.5.1 / F.5.3 / F.5.5 (CTR-AES*.Encrypt). */
export const SP800_38A_CTR = {
  counter: 'f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff',
  plaintext:
    '6bc1bee22e409f96e93d7e117393172a' +
    'ae2d8a571e03ac9c9eb76fac45af8e51' +
    '30c81c46a35ce411e5fbc1191a0a52ef' +
    'f69f2445df4f9b17ad2b417be66c3710',
  cases: [
    {
      name: 'F.5.1 CTR-AES128',
      ssh: 'aes128-ctr',
      key: '2b7e151628aed2a6abf7158809cf4f3c',
      ciphertext:
        '874d6191b620e3261bef6864990db6ce' +
        '9806f66b7970fdff8617187bb9fffdff' +
        '5ae4df3edbd5d35e5b4f09020db03eab' +
        '1e031dda2fbe03d1792170a0f3009cee',
    },
    {
      name: 'F.5.3 CTR-AES192',
      ssh: 'aes192-ctr',
      key: '8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b',
      ciphertext:
        '1abc932417521ca24f2b0459fe7e6e0b' +
        '090339ec0aa6faefd5ccc2c6f4ce8e94' +
        '1e36b26bd1ebc670d1bd1d665620abf7' +
        '4f78a7f6d29809585a97daec58c6b050',
    },
    {
      name: 'F.5.5 CTR-AES256',
      ssh: 'aes256-ctr',
      key: '603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4',
      ciphertext:
        '601ec313775789a5b7a7f504bbf3d228' +
        'f443e3ca4d62b59aca84e990cacaf5c5' +
        '2b0930daa23de94ce87017ba2d84988d' +
        'dfc9c58db67aada613c2dd08457941a6',
    },
  ],
} as const;

/** NIST SP 800-38A, Appendix F.2.1 (CBC-AES128.Encrypt). */
export const SP800_38A_CBC_AES128 = {
  key: '2b7e151628aed2a6abf7158809cf4f3c',
  iv: '000102030405060708090a0b0c0d0e0f',
  plaintext: SP800_38A_CTR.plaintext,
  ciphertext:
    '7649abac8119b246cee98e9b12e9197d' +
    '5086cb9b507219ee95db113a917678b2' +
    '73bed6b8e3c1743b7116e69e22229516' +
    '3ff1caa1681fac09120eca307586e1a7',
} as const;

/** McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", test cases 3 and 4 (AES-128). */
export const GCM_MCGREW_VIEGA = {
  key: 'feffe9928665731c6d6a8f9467308308',
  iv: 'cafebabefacedbaddecaf888',
  plaintext:
    'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72' +
    '1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255',
  ciphertext:
    '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e' +
    '21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985',
  tag3: '4d5c2af327cd64a62cf35abd2ba6fab4',
  /** Test case 4: the first 60 plaintext bytes with this AAD. */
  aad4: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
  tag4: '5bc94fbc3221a5db94fae95ae7121a47',
} as const;

/** RFC 4231 §4.2, §4.3, §4.7 (HMAC-SHA-256 / HMAC-SHA-512). */
export const RFC4231 = [
  {
    name: 'test case 1',
    key: '0b'.repeat(20),
    data: Buffer.from('Hi There').toString('hex'),
    sha256: 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    sha512:
      '87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde' +
      'daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854',
  },
  {
    name: 'test case 2',
    key: Buffer.from('Jefe').toString('hex'),
    data: Buffer.from('what do ya want for nothing?').toString('hex'),
    sha256: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    sha512:
      '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554' +
      '9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
  },
  {
    name: 'test case 6',
    key: 'aa'.repeat(131),
    data: Buffer.from('Test Using Larger Than Block-Size Key - Hash Key First').toString('hex'),
    sha256: '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    sha512:
      '80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352' +
      '6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598',
  },
] as const;

/** RFC 8439 ChaCha20 vectors. Key 00 01 .. 1f unless given. */
export const RFC8439 = {
  /** §2.3.2: block function, counter 1, nonce 000000090000004a00000000. */
  block: {
    nonce: '000000090000004a00000000',
    counter: 1,
    keystream:
      '10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e' +
      'd2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e',
  },
  /** §2.4.2: encryption, counter 1, nonce 000000000000004a00000000. */
  encrypt: {
    nonce: '000000000000004a00000000',
    counter: 1,
    plaintext: Buffer.from(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    ).toString('hex'),
    ciphertext:
      '6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b' +
      'f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8' +
      '07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736' +
      '5af90bbf74a35be6b40b8eedf2785e42874d',
  },
  /** Appendix A.2 test vector #1: all-zero key and nonce, counter 0. */
  zero: {
    keystream:
      '76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7' +
      'da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586',
  },
  /** §2.5.2: Poly1305. */
  poly1305: {
    key: '85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b',
    message: Buffer.from('Cryptographic Forum Research Group').toString('hex'),
    tag: 'a8061dc1305136c6c22b8baf0c0127a9',
  },
} as const;

/**
 * chacha20-poly1305@openssh.com. No published known-answer vector was found (OpenSSH,
 * Go x/crypto/ssh, libssh and RustCrypto's ssh-cipher test only round trips), so these were
 * generated with Python `cryptography` 48 (OpenSSL's ChaCha20 with a 16-byte
 * counter_le64 || seq_be64 nonce, and its Poly1305) following PROTOCOL.chacha20poly1305,
 * and are also checked against test/crypto/reference.ts (pure TypeScript, from RFC 8439).
 * key[i] = (7i + 3) mod 256.
 */
export const OPENSSH_CHACHA = {
  key:
    '030a11181f262d343b424950575e656c737a81888f969da4abb2b9c0c7ced5dc' +
    'e3eaf1f8ff060d141b222930373e454c535a61686f767d848b9299a0a7aeb5bc',
  short: {
    packet: '000000200a5e000000000000000d687573682073617973206869a0a1a2a3a4a5a6a7a8a9',
    sealed: [
      {
        seq: 0,
        wire: 'cded60e4d629fd6a5b0079008abd906c5f20e171425c2fb5a79c4e2ca08d8495e79e3e53dc9b6c16d80a5a3554fc342bd0767077',
      },
      {
        seq: 7,
        wire: '37ed408b7b133928c7e6c3f42e2ffe3400d0fd5602859d7f25f324c2d1bced1d5f0ef11dfd37e9860fcef09f99037dc74b1c3a25',
      },
      {
        seq: 0xffffffff,
        wire: '1ffe51947c738b1d6b861810160d7fe2f5f97255db61d2450719f77d1a602d53382ab2928617e0a0b2a9b81bb36f0e32aa77edab',
      },
    ],
  },
  /** 316 bytes: several ChaCha20 blocks. payload[i] = (13i + 1) mod 256, zero padding. */
  long: {
    seq: 3,
    packet:
      '000001380b010e1b2835424f5c697683909daab7c4d1deebf805121f2c394653606d7a8794a1aebbc8d5e2effc091623303d4a5764717e8b98a5b2bfccd9e6f3000d1a2734414e5b6875828f9ca9b6c3d0ddeaf704111e2b3845525f6c798693a0adbac7d4e1eefb0815222f3c495663707d8a97a4b1becbd8e5f2ff0c192633404d5a6774818e9ba8b5c2cfdce9f603101d2a3744515e6b7885929facb9c6d3e0edfa0714212e3b4855626f7c8996a3b0bdcad7e4f1fe0b1825323f4c596673808d9aa7b4c1cedbe8f5020f1c293643505d6a7784919eabb8c5d2dfecf90613202d3a4754616e7b8895a2afbcc9d6e3f0fd0a1724313e4b5865727f8c99a6b3c0cddae7f4010e1b2835424f5c697683909daab7c4d1deebf805121f2c394653606d7a8794a1aebbc8d5e2effc091623300000000000000000000000',
    wire:
      'b909ebecf5d3aeb240013a4e30e369425d99548b387cea96319e79255afdebb3b5a6cb449bf04931fb0e764c541293238eee5755bd80142e2fe2d7b6950bc954e0941cee669d61f6b0263b7695fb57cd7b9d61591c2dc96b65b9859a4d4df9d9f4fcacced570440c294800daac45bca4801463fb29f85dec2d379430eeaff10818374da38151dc8b9da142ca9d73c05e64049256046baf82161d2be4f35791064c808bef242b4740001076bc5391bf2b2d5daa340f9ccfc3433d4c5d198a2fd5a5481f278ec285f05fe3719833a618d587e2c680636e5238bff0bec8a69b4b28d41a59d213bb9db09e4033f839faa9ac2834db0ab2bd37910f5fb9238f8d2dcbf9ca8369d20bbccbdae67bde7aac0555cf8cd3923bcc751933f80ee1e3a8cb5c6084e4ab4d7e099e32d171702e631d9781d534c56ab1053d7a50719c7853f685d68bcbebfbe20d53973c0149',
  },
} as const;
