/** @module Request bodies captured from kubectl v1.32 `create` commands, with each command's `--dry-run=client -o json` output. */

/** One capture: the command, its request line, the protobuf body as hex, and the JSON kubectl prints for it (absent when kubectl has no dry-run for the command). */
export interface KubectlCapture {
  command: string;
  request: string;
  body: string;
  json?: Record<string, unknown>;
}

export const KUBECTL_CAPTURES: readonly KubectlCapture[] = [
  {
    command: 'kubectl create namespace n',
    request: 'POST /api/v1/namespaces',
    body: '6b3873000a0f0a02763112094e616d65737061636512190a110a016e12001a0022002a0032003800420012001a020a001a002200',
    json: {
      kind: 'Namespace',
      apiVersion: 'v1',
      metadata: {
        name: 'n',
        creationTimestamp: null,
      },
      spec: {},
      status: {},
    },
  },
  {
    command: 'kubectl create configmap x --from-literal=a=b',
    request: 'POST /api/v1/namespaces/default/configmaps',
    body: '6b3873000a0f0a0276311209436f6e6669674d6170121b0a110a017812001a0022002a0032003800420012060a01611201621a002200',
    json: {
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: {
        name: 'x',
        creationTimestamp: null,
      },
      data: {
        a: 'b',
      },
    },
  },
  {
    command: 'kubectl create configmap cf --from-file=bin.dat --from-file=text.txt --from-literal=z=1',
    request: 'POST /api/v1/namespaces/default/configmaps',
    body: '6b3873000a0f0a0276311209436f6e6669674d617012480a120a02636612001a0022002a0032003800420012180a08746578742e747874120c68656c6c6f0a776f726c640a12060a017a1201311a100a0762696e2e6461741205000102fffe1a002200',
    json: {
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: {
        name: 'cf',
        creationTimestamp: null,
      },
      data: {
        'text.txt': 'hello\nworld\n',
        z: '1',
      },
      binaryData: {
        'bin.dat': 'AAEC//4=',
      },
    },
  },
  {
    command: 'kubectl create deployment d --image=nginx --replicas=3',
    request: 'POST /apis/apps/v1/namespaces/default/deployments',
    body: '6b3873000a150a07617070732f7631120a4465706c6f796d656e7412a3010a1b0a016412001a0022002a003200380042005a080a0361707012016412760803120a0a080a036170701201641a5e0a1a0a0012001a0022002a003200380042005a080a03617070120164124012220a056e67696e7812056e67696e782a0042006a007200800100880100900100a201001a00320042004a0052005800600068008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200',
    json: {
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: {
        name: 'd',
        creationTimestamp: null,
        labels: {
          app: 'd',
        },
      },
      spec: {
        replicas: 3,
        selector: {
          matchLabels: {
            app: 'd',
          },
        },
        template: {
          metadata: {
            creationTimestamp: null,
            labels: {
              app: 'd',
            },
          },
          spec: {
            containers: [
              {
                name: 'nginx',
                image: 'nginx',
                resources: {},
              },
            ],
          },
        },
        strategy: {},
      },
      status: {},
    },
  },
  {
    command: 'kubectl create deployment web --image=nginx:1.27 --image=busybox --port=8080',
    request: 'POST /apis/apps/v1/namespaces/default/deployments',
    body: '6b3873000a150a07617070732f7631120a4465706c6f796d656e7412e7010a1f0a0377656212001a0022002a003200380042005a0a0a03617070120377656212b5010801120c0a0a0a0361707012037765621a9a010a1c0a0012001a0022002a003200380042005a0a0a036170701203776562127a12340a056e67696e78120a6e67696e783a312e32372a00320b0a00100018903f22002a0042006a007200800100880100900100a2010012260a0762757379626f78120762757379626f782a0042006a007200800100880100900100a201001a00320042004a0052005800600068008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200',
    json: {
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: {
        name: 'web',
        creationTimestamp: null,
        labels: {
          app: 'web',
        },
      },
      spec: {
        replicas: 1,
        selector: {
          matchLabels: {
            app: 'web',
          },
        },
        template: {
          metadata: {
            creationTimestamp: null,
            labels: {
              app: 'web',
            },
          },
          spec: {
            containers: [
              {
                name: 'nginx',
                image: 'nginx:1.27',
                ports: [
                  {
                    containerPort: 8080,
                  },
                ],
                resources: {},
              },
              {
                name: 'busybox',
                image: 'busybox',
                resources: {},
              },
            ],
          },
        },
        strategy: {},
      },
      status: {},
    },
  },
  {
    command: 'kubectl create secret generic s --from-literal=k=v',
    request: 'POST /api/v1/namespaces/default/secrets',
    body: '6b3873000a0c0a0276311206536563726574121d0a110a017312001a0022002a0032003800420012060a016b1201761a001a002200',
    json: {
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: {
        name: 's',
        creationTimestamp: null,
      },
      data: {
        k: 'dg==',
      },
    },
  },
  {
    command: 'kubectl create secret generic st --type=example.com/x --from-literal=a= --from-file=bin.dat',
    request: 'POST /api/v1/namespaces/default/secrets',
    body: '6b3873000a0c0a0276311206536563726574123c0a120a02737412001a0022002a0032003800420012050a0161120012100a0762696e2e6461741205000102fffe1a0d6578616d706c652e636f6d2f781a002200',
    json: {
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: {
        name: 'st',
        creationTimestamp: null,
      },
      data: {
        a: '',
        'bin.dat': 'AAEC//4=',
      },
      type: 'example.com/x',
    },
  },
  {
    command:
      'kubectl create secret docker-registry reg --docker-server=r.example.com --docker-username=u --docker-password=p --docker-email=e@example.com',
    request: 'POST /api/v1/namespaces/default/secrets',
    body: '6b3873000a0c0a027631120653656372657412ad010a130a0372656712001a0022002a0032003800420012760a112e646f636b6572636f6e6669676a736f6e12617b226175746873223a7b22722e6578616d706c652e636f6d223a7b22757365726e616d65223a2275222c2270617373776f7264223a2270222c22656d61696c223a2265406578616d706c652e636f6d222c2261757468223a2264547077227d7d7d1a1e6b756265726e657465732e696f2f646f636b6572636f6e6669676a736f6e1a002200',
    json: {
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: {
        name: 'reg',
        creationTimestamp: null,
      },
      data: {
        '.dockerconfigjson':
          'eyJhdXRocyI6eyJyLmV4YW1wbGUuY29tIjp7InVzZXJuYW1lIjoidSIsInBhc3N3b3JkIjoicCIsImVtYWlsIjoiZUBleGFtcGxlLmNvbSIsImF1dGgiOiJkVHB3In19fQ==',
      },
      type: 'kubernetes.io/dockerconfigjson',
    },
  },
  {
    command: 'kubectl create service clusterip s --tcp=80:8080',
    request: 'POST /api/v1/namespaces/default/services',
    body: '6b3873000a0d0a02763112075365727669636512630a1b0a017312001a0022002a003200380042005a080a0361707012017312400a1b0a0738302d38303830120354435018502207080010903f1a00280012080a036170701201731a002209436c757374657249503a00420052005a00600068001a020a001a002200',
    json: {
      kind: 'Service',
      apiVersion: 'v1',
      metadata: {
        name: 's',
        creationTimestamp: null,
        labels: {
          app: 's',
        },
      },
      spec: {
        ports: [
          {
            name: '80-8080',
            protocol: 'TCP',
            port: 80,
            targetPort: 8080,
          },
        ],
        selector: {
          app: 's',
        },
        type: 'ClusterIP',
      },
      status: {
        loadBalancer: {},
      },
    },
  },
  {
    command: 'kubectl create service clusterip h --clusterip=None',
    request: 'POST /api/v1/namespaces/default/services',
    body: '6b3873000a0d0a027631120753657276696365124a0a1b0a016812001a0022002a003200380042005a080a03617070120168122712080a036170701201681a044e6f6e652209436c757374657249503a00420052005a00600068001a020a001a002200',
    json: {
      kind: 'Service',
      apiVersion: 'v1',
      metadata: {
        name: 'h',
        creationTimestamp: null,
        labels: {
          app: 'h',
        },
      },
      spec: {
        selector: {
          app: 'h',
        },
        clusterIP: 'None',
        type: 'ClusterIP',
      },
      status: {
        loadBalancer: {},
      },
    },
  },
  {
    command: 'kubectl create service nodeport np --tcp=80:8080 --node-port=30080',
    request: 'POST /api/v1/namespaces/default/services',
    body: '6b3873000a0d0a02763112075365727669636512670a1d0a026e7012001a0022002a003200380042005a090a0361707012026e7012420a1d0a0738302d38303830120354435018502207080010903f1a002880eb0112090a0361707012026e701a0022084e6f6465506f72743a00420052005a00600068001a020a001a002200',
    json: {
      kind: 'Service',
      apiVersion: 'v1',
      metadata: {
        name: 'np',
        creationTimestamp: null,
        labels: {
          app: 'np',
        },
      },
      spec: {
        ports: [
          {
            name: '80-8080',
            protocol: 'TCP',
            port: 80,
            targetPort: 8080,
            nodePort: 30080,
          },
        ],
        selector: {
          app: 'np',
        },
        type: 'NodePort',
      },
      status: {
        loadBalancer: {},
      },
    },
  },
  {
    command: 'kubectl create service loadbalancer lb --tcp=443:https',
    request: 'POST /api/v1/namespaces/default/services',
    body: '6b3873000a0d0a02763112075365727669636512700a1d0a026c6212001a0022002a003200380042005a090a0361707012026c62124b0a220a093434332d6874747073120354435018bb03220b080110001a056874747073280012090a0361707012026c621a00220c4c6f616442616c616e6365723a00420052005a00600068001a020a001a002200',
    json: {
      kind: 'Service',
      apiVersion: 'v1',
      metadata: {
        name: 'lb',
        creationTimestamp: null,
        labels: {
          app: 'lb',
        },
      },
      spec: {
        ports: [
          {
            name: '443-https',
            protocol: 'TCP',
            port: 443,
            targetPort: 'https',
          },
        ],
        selector: {
          app: 'lb',
        },
        type: 'LoadBalancer',
      },
      status: {
        loadBalancer: {},
      },
    },
  },
  {
    command: 'kubectl create service externalname ex --external-name=db.example.com',
    request: 'POST /api/v1/namespaces/default/services',
    body: '6b3873000a0d0a027631120753657276696365125a0a1d0a02657812001a0022002a003200380042005a090a0361707012026578123512090a03617070120265781a00220c45787465726e616c4e616d653a004200520e64622e6578616d706c652e636f6d5a00600068001a020a001a002200',
    json: {
      kind: 'Service',
      apiVersion: 'v1',
      metadata: {
        name: 'ex',
        creationTimestamp: null,
        labels: {
          app: 'ex',
        },
      },
      spec: {
        selector: {
          app: 'ex',
        },
        type: 'ExternalName',
        externalName: 'db.example.com',
      },
      status: {
        loadBalancer: {},
      },
    },
  },
  {
    command: 'kubectl create serviceaccount sa',
    request: 'POST /api/v1/namespaces/default/serviceaccounts',
    body: '6b3873000a140a027631120e536572766963654163636f756e7412140a120a02736112001a0022002a003200380042001a002200',
    json: {
      kind: 'ServiceAccount',
      apiVersion: 'v1',
      metadata: {
        name: 'sa',
        creationTimestamp: null,
      },
    },
  },
  {
    command: 'kubectl create job j --image=busybox',
    request: 'POST /apis/batch/v1/namespaces/default/jobs',
    body: '6b3873000a0f0a0862617463682f763112034a6f6212780a110a016a12001a0022002a00320038004200125932570a100a0012001a0022002a00320038004200124312200a016a120762757379626f782a0042006a007200800100880100900100a201001a054e65766572320042004a0052005800600068008201008a01009a0100c201001a082000280030003a001a002200',
    json: {
      kind: 'Job',
      apiVersion: 'batch/v1',
      metadata: {
        name: 'j',
        creationTimestamp: null,
      },
      spec: {
        template: {
          metadata: {
            creationTimestamp: null,
          },
          spec: {
            containers: [
              {
                name: 'j',
                image: 'busybox',
                resources: {},
              },
            ],
            restartPolicy: 'Never',
          },
        },
      },
      status: {},
    },
  },
  {
    command: 'kubectl create job jc --image=busybox -- sh -c "echo hi"',
    request: 'POST /apis/batch/v1/namespaces/default/jobs',
    body: '6b3873000a0f0a0862617463682f763112034a6f62128b010a120a026a6312001a0022002a00320038004200126b32690a100a0012001a0022002a00320038004200125512320a026a63120762757379626f781a0273681a022d631a076563686f2068692a0042006a007200800100880100900100a201001a054e65766572320042004a0052005800600068008201008a01009a0100c201001a082000280030003a001a002200',
    json: {
      kind: 'Job',
      apiVersion: 'batch/v1',
      metadata: {
        name: 'jc',
        creationTimestamp: null,
      },
      spec: {
        template: {
          metadata: {
            creationTimestamp: null,
          },
          spec: {
            containers: [
              {
                name: 'jc',
                image: 'busybox',
                command: ['sh', '-c', 'echo hi'],
                resources: {},
              },
            ],
            restartPolicy: 'Never',
          },
        },
      },
      status: {},
    },
  },
  {
    command: 'kubectl create cronjob c --image=busybox --schedule="*/1 * * * *"',
    request: 'POST /apis/batch/v1/namespaces/default/cronjobs',
    body: '6b3873000a130a0862617463682f7631120743726f6e4a6f62129b010a110a016312001a0022002a003200380042001283010a0b2a2f31202a202a202a202a1a002a720a110a016312001a0022002a00320038004200125d325b0a100a0012001a0022002a00320038004200124712200a0163120762757379626f782a0042006a007200800100880100900100a201001a094f6e4661696c757265320042004a0052005800600068008201008a01009a0100c201001a001a002200',
    json: {
      kind: 'CronJob',
      apiVersion: 'batch/v1',
      metadata: {
        name: 'c',
        creationTimestamp: null,
      },
      spec: {
        schedule: '*/1 * * * *',
        jobTemplate: {
          metadata: {
            name: 'c',
            creationTimestamp: null,
          },
          spec: {
            template: {
              metadata: {
                creationTimestamp: null,
              },
              spec: {
                containers: [
                  {
                    name: 'c',
                    image: 'busybox',
                    resources: {},
                  },
                ],
                restartPolicy: 'OnFailure',
              },
            },
          },
        },
      },
      status: {},
    },
  },
  {
    command: 'kubectl create cronjob cr --image=busybox --schedule="0 0 * * *" --restart=Never -- date',
    request: 'POST /apis/batch/v1/namespaces/default/cronjobs',
    body: '6b3873000a130a0862617463682f7631120743726f6e4a6f62129e010a120a02637212001a0022002a003200380042001285010a09302030202a202a202a1a002a760a120a02637212001a0022002a003200380042001260325e0a100a0012001a0022002a00320038004200124a12270a026372120762757379626f781a04646174652a0042006a007200800100880100900100a201001a054e65766572320042004a0052005800600068008201008a01009a0100c201001a001a002200',
    json: {
      kind: 'CronJob',
      apiVersion: 'batch/v1',
      metadata: {
        name: 'cr',
        creationTimestamp: null,
      },
      spec: {
        schedule: '0 0 * * *',
        jobTemplate: {
          metadata: {
            name: 'cr',
            creationTimestamp: null,
          },
          spec: {
            template: {
              metadata: {
                creationTimestamp: null,
              },
              spec: {
                containers: [
                  {
                    name: 'cr',
                    image: 'busybox',
                    command: ['date'],
                    resources: {},
                  },
                ],
                restartPolicy: 'Never',
              },
            },
          },
        },
      },
      status: {},
    },
  },
  {
    command: 'kubectl create role r --verb=get --resource=pods',
    request: 'POST /apis/rbac.authorization.k8s.io/v1/namespaces/default/roles',
    body: '6b3873000a240a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f76311204526f6c6512220a110a017212001a0022002a00320038004200120d0a0367657412001a04706f64731a002200',
    json: {
      kind: 'Role',
      apiVersion: 'rbac.authorization.k8s.io/v1',
      metadata: {
        name: 'r',
        creationTimestamp: null,
      },
      rules: [
        {
          verbs: ['get'],
          apiGroups: [''],
          resources: ['pods'],
        },
      ],
    },
  },
  {
    command:
      'kubectl create role rm --verb=get,list,watch --resource=pods,deployments.apps,pods/log --resource-name=a --resource-name=b',
    request: 'POST /apis/rbac.authorization.k8s.io/v1/namespaces/default/roles',
    body: '6b3873000a240a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f76311204526f6c65126d0a120a02726d12001a0022002a00320038004200122a0a036765740a046c6973740a05776174636812001a04706f64731a08706f64732f6c6f67220161220162122b0a036765740a046c6973740a0577617463681204617070731a0b6465706c6f796d656e74732201612201621a002200',
    json: {
      kind: 'Role',
      apiVersion: 'rbac.authorization.k8s.io/v1',
      metadata: {
        name: 'rm',
        creationTimestamp: null,
      },
      rules: [
        {
          verbs: ['get', 'list', 'watch'],
          apiGroups: [''],
          resources: ['pods', 'pods/log'],
          resourceNames: ['a', 'b'],
        },
        {
          verbs: ['get', 'list', 'watch'],
          apiGroups: ['apps'],
          resources: ['deployments'],
          resourceNames: ['a', 'b'],
        },
      ],
    },
  },
  {
    command: 'kubectl create rolebinding rb --role=r --user=alice --group=devs --serviceaccount=default:sa',
    request: 'POST /apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings',
    body: '6b3873000a2b0a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f7631120b526f6c6542696e64696e6712b3010a120a02726212001a0022002a00320038004200122a0a04557365721219726261632e617574686f72697a6174696f6e2e6b38732e696f1a05616c6963652200122a0a0547726f75701219726261632e617574686f72697a6174696f6e2e6b38732e696f1a04646576732200121f0a0e536572766963654163636f756e7412001a027361220764656661756c741a240a19726261632e617574686f72697a6174696f6e2e6b38732e696f1204526f6c651a01721a002200',
    json: {
      kind: 'RoleBinding',
      apiVersion: 'rbac.authorization.k8s.io/v1',
      metadata: {
        name: 'rb',
        creationTimestamp: null,
      },
      subjects: [
        {
          kind: 'User',
          apiGroup: 'rbac.authorization.k8s.io',
          name: 'alice',
        },
        {
          kind: 'Group',
          apiGroup: 'rbac.authorization.k8s.io',
          name: 'devs',
        },
        {
          kind: 'ServiceAccount',
          name: 'sa',
          namespace: 'default',
        },
      ],
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Role',
        name: 'r',
      },
    },
  },
  {
    command: 'kubectl create clusterrole cr --verb=get --resource=nodes --non-resource-url=/healthz',
    request: 'POST /apis/rbac.authorization.k8s.io/v1/clusterroles',
    body: '6b3873000a2b0a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f7631120b436c7573746572526f6c6512350a120a02637212001a0022002a00320038004200120e0a0367657412001a056e6f646573120f0a036765742a082f6865616c74687a1a002200',
    json: {
      kind: 'ClusterRole',
      apiVersion: 'rbac.authorization.k8s.io/v1',
      metadata: {
        name: 'cr',
        creationTimestamp: null,
      },
      rules: [
        {
          verbs: ['get'],
          apiGroups: [''],
          resources: ['nodes'],
        },
        {
          verbs: ['get'],
          nonResourceURLs: ['/healthz'],
        },
      ],
    },
  },
  {
    command: 'kubectl create clusterrole agg --aggregation-rule=rbac.example.com/aggregate=true',
    request: 'POST /apis/rbac.authorization.k8s.io/v1/clusterroles',
    body: '6b3873000a2b0a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f7631120b436c7573746572526f6c65123d0a130a0361676712001a0022002a003200380042001a260a240a220a1a726261632e6578616d706c652e636f6d2f6167677265676174651204747275651a002200',
    json: {
      kind: 'ClusterRole',
      apiVersion: 'rbac.authorization.k8s.io/v1',
      metadata: {
        name: 'agg',
        creationTimestamp: null,
      },
      rules: null,
      aggregationRule: {
        clusterRoleSelectors: [
          {
            matchLabels: {
              'rbac.example.com/aggregate': 'true',
            },
          },
        ],
      },
    },
  },
  {
    command: 'kubectl create clusterrolebinding crb --clusterrole=cr --user=bob',
    request: 'POST /apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
    body: '6b3873000a320a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f76311212436c7573746572526f6c6542696e64696e67126d0a130a0363726212001a0022002a0032003800420012280a04557365721219726261632e617574686f72697a6174696f6e2e6b38732e696f1a03626f6222001a2c0a19726261632e617574686f72697a6174696f6e2e6b38732e696f120b436c7573746572526f6c651a0263721a002200',
    json: {
      kind: 'ClusterRoleBinding',
      apiVersion: 'rbac.authorization.k8s.io/v1',
      metadata: {
        name: 'crb',
        creationTimestamp: null,
      },
      subjects: [
        {
          kind: 'User',
          apiGroup: 'rbac.authorization.k8s.io',
          name: 'bob',
        },
      ],
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'cr',
      },
    },
  },
  {
    command: 'kubectl create priorityclass p --value=1000',
    request: 'POST /apis/scheduling.k8s.io/v1/priorityclasses',
    body: '6b3873000a250a147363686564756c696e672e6b38732e696f2f7631120d5072696f72697479436c61737312300a110a017012001a0022002a0032003800420010e807180022002a14507265656d70744c6f7765725072696f726974791a002200',
    json: {
      kind: 'PriorityClass',
      apiVersion: 'scheduling.k8s.io/v1',
      metadata: {
        name: 'p',
        creationTimestamp: null,
      },
      value: 1000,
      preemptionPolicy: 'PreemptLowerPriority',
    },
  },
  {
    command:
      'kubectl create priorityclass pf --value=0 --global-default=true --description=desc --preemption-policy=Never',
    request: 'POST /apis/scheduling.k8s.io/v1/priorityclasses',
    body: '6b3873000a250a147363686564756c696e672e6b38732e696f2f7631120d5072696f72697479436c61737312250a120a02706612001a0022002a00320038004200100018012204646573632a054e657665721a002200',
    json: {
      kind: 'PriorityClass',
      apiVersion: 'scheduling.k8s.io/v1',
      metadata: {
        name: 'pf',
        creationTimestamp: null,
      },
      value: 0,
      globalDefault: true,
      description: 'desc',
      preemptionPolicy: 'Never',
    },
  },
  {
    command: 'kubectl create poddisruptionbudget pdb --selector=app=x --min-available=1',
    request: 'POST /apis/policy/v1/namespaces/default/poddisruptionbudgets',
    body: '6b3873000a200a09706f6c6963792f76311213506f6444697372757074696f6e42756467657412370a130a0370646212001a0022002a0032003800420012140a06080010011a00120a0a080a036170701201781a0a080018002000280030001a002200',
    json: {
      kind: 'PodDisruptionBudget',
      apiVersion: 'policy/v1',
      metadata: {
        name: 'pdb',
        creationTimestamp: null,
      },
      spec: {
        minAvailable: 1,
        selector: {
          matchLabels: {
            app: 'x',
          },
        },
      },
      status: {
        disruptionsAllowed: 0,
        currentHealthy: 0,
        desiredHealthy: 0,
        expectedPods: 0,
      },
    },
  },
  {
    command:
      'kubectl create poddisruptionbudget pdbp --selector="app=x,tier in (web,api)" --max-unavailable=50%',
    request: 'POST /apis/policy/v1/namespaces/default/poddisruptionbudgets',
    body: '6b3873000a200a09706f6c6963792f76311213506f6444697372757074696f6e42756467657412510a140a047064627012001a0022002a00320038004200122d12200a080a0361707012017812140a04746965721202496e1a036170691a037765621a09080110001a033530251a0a080018002000280030001a002200',
    json: {
      kind: 'PodDisruptionBudget',
      apiVersion: 'policy/v1',
      metadata: {
        name: 'pdbp',
        creationTimestamp: null,
      },
      spec: {
        selector: {
          matchLabels: {
            app: 'x',
          },
          matchExpressions: [
            {
              key: 'tier',
              operator: 'In',
              values: ['api', 'web'],
            },
          ],
        },
        maxUnavailable: '50%',
      },
      status: {
        disruptionsAllowed: 0,
        currentHealthy: 0,
        desiredHealthy: 0,
        expectedPods: 0,
      },
    },
  },
  {
    command: 'kubectl create quota q --hard=pods=10',
    request: 'POST /api/v1/namespaces/default/resourcequotas',
    body: '6b3873000a130a027631120d5265736f7572636551756f746112250a110a017112001a0022002a00320038004200120e0a0c0a04706f647312040a0231301a001a002200',
    json: {
      kind: 'ResourceQuota',
      apiVersion: 'v1',
      metadata: {
        name: 'q',
        creationTimestamp: null,
      },
      spec: {
        hard: {
          pods: '10',
        },
      },
      status: {},
    },
  },
  {
    command: 'kubectl create quota qs --hard=requests.cpu=500m,limits.memory=1Gi,pods=4 --scopes=BestEffort',
    request: 'POST /api/v1/namespaces/default/resourcequotas',
    body: '6b3873000a130a027631120d5265736f7572636551756f746112610a120a02717312001a0022002a0032003800420012490a160a0d6c696d6974732e6d656d6f727912050a033147690a0b0a04706f647312030a01340a160a0c72657175657374732e63707512060a043530306d120a426573744566666f72741a001a002200',
    json: {
      kind: 'ResourceQuota',
      apiVersion: 'v1',
      metadata: {
        name: 'qs',
        creationTimestamp: null,
      },
      spec: {
        hard: {
          'limits.memory': '1Gi',
          pods: '4',
          'requests.cpu': '500m',
        },
        scopes: ['BestEffort'],
      },
      status: {},
    },
  },
  {
    command:
      'kubectl create ingress ing --rule=foo.com/bar*=svc:8080,tls=my-cert --class=nginx --annotation=a=b',
    request: 'POST /apis/networking.k8s.io/v1/namespaces/default/ingresses',
    body: '6b3873000a1f0a146e6574776f726b696e672e6b38732e696f2f76311207496e6772657373126d0a1b0a03696e6712001a0022002a0032003800420062060a0161120162124a12120a07666f6f2e636f6d12076d792d636572741a2d0a07666f6f2e636f6d12220a200a1e0a042f626172120e220c0a0373766312050a0010903f1a0650726566697822056e67696e781a020a001a002200',
    json: {
      kind: 'Ingress',
      apiVersion: 'networking.k8s.io/v1',
      metadata: {
        name: 'ing',
        creationTimestamp: null,
        annotations: {
          a: 'b',
        },
      },
      spec: {
        ingressClassName: 'nginx',
        tls: [
          {
            hosts: ['foo.com'],
            secretName: 'my-cert',
          },
        ],
        rules: [
          {
            host: 'foo.com',
            http: {
              paths: [
                {
                  path: '/bar',
                  pathType: 'Prefix',
                  backend: {
                    service: {
                      name: 'svc',
                      port: {
                        number: 8080,
                      },
                    },
                  },
                },
              ],
            },
          },
        ],
      },
      status: {
        loadBalancer: {},
      },
    },
  },
  {
    command: 'kubectl create ingress ingd --default-backend=svc:http',
    request: 'POST /apis/networking.k8s.io/v1/namespaces/default/ingresses',
    body: '6b3873000a1f0a146e6574776f726b696e672e6b38732e696f2f76311207496e6772657373122f0a140a04696e676412001a0022002a0032003800420012130a11220f0a0373766312080a046874747010001a020a001a002200',
    json: {
      kind: 'Ingress',
      apiVersion: 'networking.k8s.io/v1',
      metadata: {
        name: 'ingd',
        creationTimestamp: null,
      },
      spec: {
        defaultBackend: {
          service: {
            name: 'svc',
            port: {
              name: 'http',
            },
          },
        },
      },
      status: {
        loadBalancer: {},
      },
    },
  },
  {
    command: 'kubectl create token sa --duration=1h --audience=api',
    request: 'POST /api/v1/namespaces/default/serviceaccounts/sa/token',
    body: '6b3873000a280a1861757468656e7469636174696f6e2e6b38732e696f2f7631120c546f6b656e5265717565737412220a100a0012001a0022002a0032003800420012080a0361706920901c1a040a0012001a002200',
  },
];
